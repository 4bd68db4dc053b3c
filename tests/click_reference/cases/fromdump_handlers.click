// FromDump's file handlers: seeking with `filepos` (to a record boundary here; fromdump_seek
// seeks inside records), then reading to the end; after STOP at the end it is inactive and
// its task unscheduled.
// args: -h c.count -h fd.filepos -h fd.packet_filepos -h fd.filesize -h fd.count -h fd.encap -h fd.sampling_prob -h fd.scheduled -h fd.tickets -h fd.active
fd :: FromDump($IN/mix.pcap, STOP true, ACTIVE false) -> c :: Counter -> Discard;
Script(print $(fd.filepos) $(fd.packet_filepos), write fd.filepos 377, print $(fd.filepos) $(fd.packet_filepos), write fd.active true);
