// as-expr: Click names -e text `config` in its messages (here an initialize-time warning).
// args: -q
Idle -> Queue -> u :: Unqueue(0) -> Discard;
