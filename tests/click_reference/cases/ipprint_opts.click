FromDump($IN/mix.pcap, STOP true) -> Strip(14) -> MarkIPHeader
 -> IPPrint(a, CONTENTS hex, TIMESTAMP false)
 -> IPPrint(b, PAYLOAD hex, TIMESTAMP false)
 -> IPPrint(c, TTL true, TOS true, LENGTH true, ID true, TIMESTAMP false)
 -> IPPrint(d, SWAP true, TIMESTAMP false, PAYLOAD ascii)
 -> IPPrint(e, CONTENTS true, MAXLENGTH 24, TIMESTAMP false)
 -> Discard;
