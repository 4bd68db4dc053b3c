FromDump($IN/opts.pcap, STOP true) -> Strip(14) -> CheckIPHeader -> IPPrint(p, TIMESTAMP false, CONTENTS hex, MAXLENGTH 40) -> Print(q, 48) -> ToDump(out.pcap, ENCAP IP);
