// args: -h a.count
// inputs/raw.pcap is the raw-IP file Click wrote in rawpcap.click.
FromDump($IN/raw.pcap, STOP true) -> a :: Counter -> IPPrint(r, CONTENTS hex, MAXLENGTH 24) -> ToDump(out.pcap, ENCAP IP);
