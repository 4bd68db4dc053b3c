FromDump($IN/ntp.pcap, STOP true) -> t :: Tee(2);
t[0] -> Print(a, 20) -> Discard;
t[1] -> Print(b, 20) -> Discard;
