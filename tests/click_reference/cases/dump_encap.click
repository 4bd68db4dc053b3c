// args: -h d.count -h d.filename -h src.count
src :: FromDump($IN/ntp.pcap, STOP true) -> d :: ToDump(out.pcap, SNAPLEN 60, ENCAP ETHER);
