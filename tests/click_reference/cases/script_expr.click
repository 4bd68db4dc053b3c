Script(set a 3, set b $(add $a 4), print $b, print $(mul $a $b), print $(sub 10 $a), print $(div 9 2), print $(eq 1 1), print $(lt 2 1), print $(if $(gt 5 2) yes no),
       set i 0, label top, print "i=$i", set i $(add $i 1), goto top $(lt $i 3),
       print $(sprintf "%03d|%-5s|%x|%X|%5.2d|%+d|%o|%%|% d" 7 ab 255 255 3 4 8 9), print $(sprintf "%s and %s" "two words" x),
       print $(length abc), print $(not true), print $(and true false) $(or true false) $(nand true true) $(nor false false),
       print $(first a b c), print $(in b a b c) $(in z a b), print $(rem 7 3) $(abs -4) $(neg 5), print $(htons 1) $(ntohl 1), print $(unquote "x y"),
       print $(min 3 1 2) $(max 3 1 2) $(idiv 7 2) $(mod 7 3),
       print "quoted \"str\"", printn "no newline", print "", print "a$a", stop);
