
FromDump($IN/mix.pcap, STOP true) -> Unstrip(4) -> Strip(4) -> c :: Classifier(12/8100, -);
c[0] -> d :: VLANDecap -> Print(dec, 24) -> ToDump(dec.pcap);
c[1] -> Unstrip(4) -> Strip(4) -> VLANEncap(VLAN_TCI 0x1234, ETHERTYPE 0x88a8) -> Print(enc, 20) -> VLANEncap(VLAN_ID 7, VLAN_PCP 1) -> VLANDecap(ANNO false) -> ToDump(enc.pcap);
