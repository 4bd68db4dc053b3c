a -> $x } b ; } || ) ] c :: C;
elementclass E { $y ] } || ... }