elementclass E { $a, KEY $k, __REST__ $r | input -> X($a, $k, $r) -> output || ... }
s :: S -> E(1, 2, KEY 3) -> s;