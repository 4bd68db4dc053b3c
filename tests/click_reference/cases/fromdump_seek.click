// FromDump seeks to the exact byte, as Click: from 3392 (inside a record's zero padding) it
// reads three empty garbage records and lands on the next real one; from 61 it reads one
// garbage record whose captured length exceeds its length (the excess skipped), then gives up
// on a bad header. FILEPOS does the same at initialization. Garbage timestamps print as
// Click's do (microseconds times 1000 in 32 bits, nanoseconds shown).
// args: -h c1.count -h fd1.filepos -h fd1.packet_filepos -h c2.count -h fd2.filepos -h fd2.packet_filepos -h c3.count -h fd3.filepos -h fd3.packet_filepos
fd1 :: FromDump($IN/mix.pcap, ACTIVE false) -> c1 :: Counter -> Print(a, 16, TIMESTAMP true) -> Discard;
fd2 :: FromDump($IN/mix.pcap, ACTIVE false) -> c2 :: Counter -> Print(b, 16, TIMESTAMP true) -> Discard;
fd3 :: FromDump($IN/mix.pcap, FILEPOS 3654, ACTIVE false) -> c3 :: Counter -> Print(c, 16, TIMESTAMP true) -> Discard;
Script(print $(fd3.filepos), write fd1.filepos 3392, write fd2.filepos 61, print $(fd1.filepos) $(fd2.filepos) $(fd1.packet_filepos),
       write fd1.active true, wait 0.1s, write fd2.active true, wait 0.1s, write fd3.active true, wait 0.1s, stop);
