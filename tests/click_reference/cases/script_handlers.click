// Script functions read as the element's handlers with parameters (`print s.add 1 2`), and
// the get/set/shift variable handlers.
s :: Script(TYPE PASSIVE);
c :: Counter; Idle -> c -> Discard;
Script(print s.add 1 2 3, print s.sub 10 3, print s.mul 2 3.5, print s.div 7 2, print s.idiv 7 2, print s.mod 7 3, print s.neg 4, print s.abs -4,
  print s.min 3 1 2, print s.max 3 1 2, print s.eq a a, print s.ne 1 2, print s.lt 1 2, print s.not true, print s.if true x y,
  print s.first a b, print s.and true false, print s.or false true, print s.in a b a, print s.length hello, print s.htons 1,
  print s.readable c.count, print s.writable c.count, print s.writable c.reset, write s.set v hello world, print s.get v, print s.shift v, print s.get v,
  print s.sprintf "%d-%s" 5 x, print s.unquote "a b", stop);
