//! click-core: packets, elements, the router graph and its driver.
