FromDump($IN/mix.pcap, STOP true) -> c :: Classifier(12/8100, -);
c[0] -> VLANDecap -> ToDump(dec.pcap);
c[1] -> VLANEncap(VLAN_ID 5, VLAN_PCP 3) -> ToDump(enc.pcap);
