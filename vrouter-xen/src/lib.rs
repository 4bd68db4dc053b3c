//! vrouter-xen: Xen netif rings, grants, event channels and the virtual-network host.
