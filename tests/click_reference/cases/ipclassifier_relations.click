// Relations beyond a field's range: Click accepts them with a warning and a constant result.
Idle -> c :: IPClassifier(ip ttl >= 256, tcp and ip tos > 300, ip ttl < 300, -);
c[0] -> Discard; c[1] -> Discard; c[2] -> Discard; c[3] -> Discard;
f :: IPFilter(allow ip ttl <= 999, deny all);
Idle -> f -> Discard;
DriverManager(stop);
// args: -h c.program -h f.program
