elementclass C0 { input -> X -> output }
elementclass C1 { input -> C0 -> C0 -> output }
elementclass C2 { input -> C1 -> C1 -> output }
s :: S -> C2 -> s;