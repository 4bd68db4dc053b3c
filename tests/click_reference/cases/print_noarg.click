FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> Print(, 0) -> Print(MAXLENGTH -1) -> Discard;
