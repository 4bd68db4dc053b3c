//! Tests of the whole language, construct by construct and error by error: source text in,
//! flat graph or diagnostics (message and location) out.

use crate::*;

fn ok(source: &str) -> FlatGraph {
    ok_with(source, &[])
}

fn ok_with(source: &str, vars: &[(&str, &str)]) -> FlatGraph {
    let vars: Vec<(String, String)> = vars.iter().map(|(a, b)| (a.to_string(), b.to_string())).collect();
    match compile(source, "t.click", &vars) {
        Ok(c) => c.graph,
        Err(d) => panic!("unexpected errors:\n{}", render_diagnostics(&d, &[("t.click", source)])),
    }
}

/// `name :: Class(config)` for every element, in order.
fn elements(g: &FlatGraph) -> Vec<String> {
    g.elements()
        .map(|(_, e)| {
            if e.config.is_empty() {
                format!("{} :: {}", e.name, e.class)
            } else {
                format!("{} :: {}({})", e.name, e.class, e.config)
            }
        })
        .collect()
}

/// `a[p]->[q]b` for every connection, sorted.
fn connections(g: &FlatGraph) -> Vec<String> {
    let mut v: Vec<String> = g
        .connections()
        .map(|c| {
            format!(
                "{}[{}]->[{}]{}",
                g.element(c.from).unwrap().name,
                c.from_port,
                c.to_port,
                g.element(c.to).unwrap().name
            )
        })
        .collect();
    v.sort();
    v
}

fn errors(source: &str) -> Vec<Diagnostic> {
    match compile(source, "t.click", &[]) {
        Ok(c) => panic!("expected errors, got graph {:?}", elements(&c.graph)),
        Err(d) => d.into_iter().filter(Diagnostic::is_error).collect(),
    }
}

/// The single error's message and `line:column`.
fn error(source: &str) -> (String, String) {
    let errs = errors(source);
    assert_eq!(errs.len(), 1, "expected one error, got {errs:#?}");
    let e = &errs[0];
    let loc = e.location.as_ref().map(|l| format!("{}:{}", l.line, l.column)).unwrap_or_default();
    (e.message.clone(), loc)
}

fn warnings(source: &str) -> Vec<String> {
    compile(source, "t.click", &[]).unwrap().warnings.iter().map(|w| w.to_string()).collect()
}

#[test]
fn declarations_single_multiple_and_empty_config() {
    let g = ok("a, b :: Counter(1); c :: Discard; d :: Idle();");
    assert_eq!(elements(&g), ["a :: Counter(1)", "b :: Counter(1)", "c :: Discard", "d :: Idle"]);
}

#[test]
fn connection_chain_with_ports() {
    let g = ok("a :: A; x :: X; b :: B; a [1] -> [2] x [3] -> [4] b; a -> b;");
    assert_eq!(connections(&g), ["a[0]->[0]b", "a[1]->[2]x", "x[3]->[4]b"]);
    let loc = g.connections().next().unwrap().location.unwrap();
    assert_eq!((loc.line, loc.column), (1, 31));
}

#[test]
fn anonymous_elements_are_numbered_like_click() {
    let g = ok("InfiniteSource -> Counter -> d :: Discard; Idle -> Counter(2) -> d;");
    assert_eq!(
        elements(&g),
        [
            "InfiniteSource@1 :: InfiniteSource",
            "Counter@2 :: Counter",
            "d :: Discard",
            "Idle@4 :: Idle",
            "Counter@5 :: Counter(2)"
        ]
    );
    // A provisional name that clashes with a declared one moves to the next free number.
    let g = ok("Counter -> Counter@1 :: Idle; Counter@2 :: Idle;");
    assert_eq!(elements(&g), ["Counter@3 :: Counter", "Counter@1 :: Idle", "Counter@2 :: Idle"]);
}

#[test]
fn many_to_one_and_one_to_many() {
    let g = ok("a, b :: A; x :: X; a [1], b -> [2] x; x -> a, b;");
    assert_eq!(connections(&g), ["a[1]->[2]x", "b[0]->[2]x", "x[0]->[0]a", "x[0]->[0]b"]);
}

#[test]
fn declarations_inside_many_to_one_apply_to_one_name() {
    let g = ok("n1 :: A; n1, n2 :: B -> n3 :: C;");
    assert_eq!(elements(&g), ["n1 :: A", "n2 :: B", "n3 :: C"]);
    assert_eq!(connections(&g), ["n1[0]->[0]n3", "n2[0]->[0]n3"]);
}

#[test]
fn many_to_many_port_lists_ranges_and_implied_ports() {
    let expected = [
        "Paint@3[0]->[0]next",
        "Paint@4[0]->[0]next",
        "Paint@5[0]->[0]next",
        "c[0]->[0]Paint@3",
        "c[1]->[0]Paint@4",
        "c[2]->[0]Paint@5",
    ];
    for conn in ["c [0], c [1], c [2] =>", "c [0,1,2] =>", "c [0-2] =>", "c =>", "c [0-] =>", "c [] =>"] {
        let source = format!("c :: Classifier(a, b, c); next :: Idle; {conn} Paint(0), Paint(1), Paint(2) -> next;");
        assert_eq!(connections(&ok(&source)), expected, "{conn}");
    }
    let g = ok("s :: S; t :: T; s [1-] => [4] t, [0] t;");
    assert_eq!(connections(&g), ["s[1]->[4]t", "s[2]->[0]t"]);
}

#[test]
fn many_to_many_errors() {
    assert_eq!(
        error("a, b :: A; c, d :: C; a, b -> c, d;"),
        ("syntax error: many-to-many connections require '=>'".into(), "1:28".into())
    );
    assert_eq!(
        error("a, b, e :: A; c, d :: C; a, b, e => c, d;"),
        ("connection mismatch: 3 outputs connected to 2 inputs".into(), "1:34".into())
    );
    assert_eq!(
        error("a :: A; c :: C; a [0-] => [0-] c;"),
        ("at most one expandable port allowed per connection".into(), "1:24".into())
    );
}

#[test]
fn groups_express_detours() {
    let g = ok(
        "x :: X; y :: Y; x -> c :: Classifier(00/01) => ( input [0] -> output; input [1] -> Paint(1) -> output ) -> y;",
    );
    assert_eq!(connections(&g), ["Paint@7[0]->[0]y", "c[0]->[0]y", "c[1]->[0]Paint@7", "x[0]->[0]c"]);
}

#[test]
fn group_equivalences_from_click_manual() {
    for group in ["", "-> ( input -> output )", "-> ( [0] -> [0] )", "-> (->)"] {
        let source = format!("x :: X; y :: Y; x {group} -> y;");
        assert_eq!(connections(&ok(&source)), ["x[0]->[0]y"], "{group}");
    }
    let g = ok("x :: X; y :: Y; x => ( [0]->[0]; [1]->[1] ) -> y;");
    assert_eq!(connections(&g), ["x[0]->[0]y", "x[1]->[0]y"]);
    let g = ok("x :: X; y :: Y; x => [0,1] ( [0]->[0]; [1]->[1] ) [0,1] -> y;");
    assert_eq!(connections(&g), ["x[0]->[0]y", "x[1]->[0]y"]);
}

#[test]
fn group_errors() {
    let (message, _) = error("x :: X; y :: Y; x => ( [0]->[0]; [2]->Idle ) -> y;");
    assert_eq!(message, "'<anonymous group>' input 1 missing");
}

#[test]
/// Element order follows Click: a scope's own elements, then each compound's contents.
fn compound_elements_expand_with_prefixed_names() {
    let g = ok("compound :: { input -> X -> output; input [1] -> Y -> [1] output; };
                a :: A; b :: B; c :: C; d :: D;
                a -> compound -> b; c -> [1] compound [1] -> d;");
    assert_eq!(elements(&g), ["a :: A", "b :: B", "c :: C", "d :: D", "compound/X@1 :: X", "compound/Y@2 :: Y"]);
    assert_eq!(
        connections(&g),
        ["a[0]->[0]compound/X@1", "c[0]->[0]compound/Y@2", "compound/X@1[0]->[0]b", "compound/Y@2[0]->[0]d"]
    );
}

#[test]
fn anonymous_compound_and_nested_compounds() {
    let g = ok("a :: A; b :: B; a -> { input -> x :: X -> { input -> Y -> output } -> output } -> b;");
    assert_eq!(elements(&g), ["a :: A", "b :: B", "@3/x :: X", "@3/@2/Y@1 :: Y"]);
    assert_eq!(connections(&g), ["@3/@2/Y@1[0]->[0]b", "@3/x[0]->[0]@3/@2/Y@1", "a[0]->[0]@3/x"]);
}

#[test]
fn elementclass_with_formals_keywords_and_rest() {
    let g = ok("elementclass F { $a, COUNT $count, __REST__ $rest | input -> A($a, $count, $rest) -> output }
                s :: S; t :: T; s -> f :: F(1, 2, COUNT 3, FOO 4) -> t;");
    assert_eq!(elements(&g), ["s :: S", "t :: T", "f/A@1 :: A(1, 3, 2, FOO 4)"]);
}

#[test]
fn overloads_choose_by_arguments_and_ports() {
    let source = "elementclass MyQueue {
                      input -> Queue -> Shaper(1000) -> output;
                  ||
                      $cap | input -> Queue($cap) -> Shaper(1000) -> output;
                  ||
                      input -> Queue -> output; input [1] -> Discard;
                  }
                  s :: S; t :: T; s -> q1 :: MyQueue -> t; s -> q2 :: MyQueue(5) -> t; s -> [1] q3 :: MyQueue -> t; s -> q3;";
    let g = ok(source);
    assert_eq!(
        elements(&g),
        [
            "s :: S",
            "t :: T",
            "q1/Queue@1 :: Queue",
            "q1/Shaper@2 :: Shaper(1000)",
            "q2/Queue@1 :: Queue(5)",
            "q2/Shaper@2 :: Shaper(1000)",
            "q3/Queue@1 :: Queue",
            "q3/Discard@2 :: Discard",
        ]
    );
}

#[test]
fn overload_mismatch_reports_candidates() {
    let source =
        "elementclass Test { $a | input -> output || $a, $b | input -> output }\ns :: S; s -> Test(1, 2, 3) -> s;";
    let errs = errors(source);
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].message, "no match for 'Test[3 arguments, 1 input, 1 output]'");
    assert_eq!(errs[0].location.as_ref().unwrap().line, 2);
    let notes: Vec<&str> = errs[0].notes.iter().map(|n| n.message.as_str()).collect();
    assert_eq!(
        notes,
        ["candidate: Test(<arg>)[1 input, 1 output]", "candidate: Test(<arg>, <arg>)[1 input, 1 output]"]
    );
}

#[test]
fn overloads_visible_are_those_that_precede() {
    let source = "elementclass Test { $a | input -> output }
                  s :: S; s -> test :: Test(1, 2) -> s;
                  elementclass Test { $a, $b | input -> output || ... }";
    let (message, location) = error(source);
    assert_eq!(message, "no match for 'Test[2 arguments, 1 input, 1 output]'");
    assert_eq!(location, "2:32");
}

#[test]
fn ellipsis_extends_the_earlier_class_even_a_primitive() {
    let g = ok("elementclass Queue { $cap, $rate | input -> Queue($cap) -> Shaper($rate) -> output || ... }
                a :: A; b :: B; a -> Queue(10, 5) -> b; a -> Queue(3) -> b;");
    assert_eq!(
        elements(&g),
        ["a :: A", "b :: B", "Queue@3/Queue@1 :: Queue(10)", "Queue@3/Shaper@2 :: Shaper(5)", "Queue@4 :: Queue(3)"]
    );
}

#[test]
fn class_names_are_lexically_scoped_and_not_recursive() {
    // Inside its own definition `Queue` is still the primitive Queue.
    let g = ok("elementclass Queue { input -> Queue -> Shaper(1000) -> output } q :: Queue; a :: A; a -> q -> a;");
    assert_eq!(elements(&g), ["a :: A", "q/Queue@1 :: Queue", "q/Shaper@2 :: Shaper(1000)"]);
    // Elements declared before a class definition use the earlier meaning of the name.
    let g = ok("x :: Foo; elementclass Foo { input -> Bar -> output } y :: Foo; a :: A; a -> x -> a; a -> y -> a;");
    assert_eq!(elements(&g), ["x :: Foo", "a :: A", "y/Bar@1 :: Bar"]);
}

#[test]
fn synonyms() {
    let g = ok("elementclass MyQ Queue; elementclass C { input -> X -> output } elementclass D C;
                a :: A; a -> MyQ(5) -> d :: D -> a;");
    assert_eq!(elements(&g), ["a :: A", "MyQ@2 :: Queue(5)", "d/X@1 :: X"]);
}

#[test]
fn variables_define_and_command_line() {
    let source = "define($a 2, $dev eth0); m :: Message($a, ${a}0, \"$dev\", '$dev', ${none-dflt}, $none, /* $a */);";
    let g = ok(source);
    assert_eq!(elements(&g), ["m :: Message(2, 20, \"eth0\", '$dev', dflt, $none, /* $a */)"]);
    let g = ok_with(source, &[("dev", "eth1"), ("none", "x")]);
    assert_eq!(elements(&g), ["m :: Message(2, 20, \"eth1\", '$dev', x, x, /* $a */)"]);
    // All definitions of a scope take effect at once.
    assert_eq!(elements(&ok("m :: Message($a); define($a 2);")), ["m :: Message(2)"]);
}

#[test]
fn compound_scopes_for_variables() {
    let g = ok("define($x outer, $y global);
                elementclass C { $x | define($z $x-z); input -> A($x, $y, $z) -> output }
                s :: S; s -> C(inner) -> s; t :: T($x);");
    assert_eq!(elements(&g), ["s :: S", "t :: T(outer)", "C@2/A@1 :: A(inner, global, inner-z)"]);
}

#[test]
fn compound_port_counts_are_inferred_from_input_and_output() {
    let source = "elementclass Two { input [0] -> [1] output; input [1] -> [0] output }
                  s :: S; t :: T; s [0,1] => two :: Two => [0,1] t;";
    let g = ok(source);
    assert_eq!(connections(&g), ["s[0]->[1]t", "s[1]->[0]t"]);
}

#[test]
fn pseudo_element_errors() {
    let (message, location) = error("elementclass E { input -> output; x :: X -> input; }\ne :: E;");
    assert_eq!((message.as_str(), location.as_str()), ("'E' pseudoelement 'input' may only be used as output", "1:42"));
    let (message, location) = error("elementclass E { input -> output; input [2] -> output }");
    assert_eq!((message.as_str(), location.as_str()), ("'E' input 1 missing", "1:18"));
}

#[test]
fn compound_port_overuse_is_an_error() {
    let (message, location) = error("elementclass E { input -> output }\ns :: S; s -> [1] e :: E -> s;");
    assert_eq!(message, "'e' uses input port 1 of compound class 'E', which has 1 input");
    assert_eq!(location, "2:18");
}

#[test]
fn wrong_compound_arguments() {
    let (message, _) = error("elementclass E { COUNT $c | input -> A($c) -> output }\ns :: S; s -> E(1) -> s;");
    assert_eq!(message, "no match for 'E[1 argument, 1 input, 1 output]'");
}

#[test]
fn implicit_ports_in_compounds() {
    let g = ok("elementclass E { [1] -> A -> [1]; -> B -> }\ns :: S; t :: T; s => [0,1] e :: E [0,1] => t, t;");
    // `[1] -> A -> [1];` uses input 1 and output 1, `-> B ->` port 0.
    assert_eq!(connections(&g), ["e/A@1[0]->[0]t", "e/B@2[0]->[0]t", "s[0]->[0]e/B@2", "s[1]->[0]e/A@1"]);
}

#[test]
fn implicit_start_warning() {
    let w = warnings("elementclass E { input -> A; -> B -> output }");
    assert_eq!(w, ["t.click:1:30: warning: suggest 'input ->' or '[0] ->' to start connection"]);
}

#[test]
fn require_and_requirements() {
    let g = ok("require(package \"fastclassifier\", specialcode); a :: A;");
    assert_eq!(g.requirements, ["package \"fastclassifier\"", "specialcode"]);
    let (message, _) = error("require(library foo.click);");
    assert_eq!(message, "'require(library ...)' is not supported");
}

#[test]
fn comments_everywhere() {
    let g = ok("// line\na /* x */ :: /* y */ A(1 /* ) */, // )\n 2) /* z */ -> // w\n b :: B;");
    assert_eq!(elements(&g), ["a :: A(1 /* ) */, // )\n 2)", "b :: B"]);
    assert_eq!(connections(&g), ["a[0]->[0]b"]);
}

#[test]
fn config_strings_with_quotes_and_data() {
    let g = ok("a :: A(\")\", ')', \\<48 /* ) */ 45>, (nested (parens)));");
    assert_eq!(elements(&g), ["a :: A(\")\", ')', \\<48 /* ) */ 45>, (nested (parens)))"]);
}

#[test]
fn line_directives_change_locations() {
    let g = ok("a :: A;\n# 100 \"orig.click\"\nb :: B;\n#line 7\nc :: C;");
    let locs: Vec<String> = g.elements().map(|(_, e)| e.location.clone().unwrap().to_string()).collect();
    assert_eq!(locs, ["t.click:1:1", "orig.click:100:1", "orig.click:7:1"]);
}

#[test]
fn several_pieces_form_one_configuration() {
    let compiled = compile_sources(
        &[("f.click", "a :: A; elementclass C { input -> X -> output }"), ("config", "a -> C -> a;")],
        &[],
    )
    .unwrap();
    let g = compiled.graph;
    assert_eq!(elements(&g), ["a :: A", "C@2/X@1 :: X"]);
    assert_eq!(g.element(g.find("C@2/X@1").unwrap()).unwrap().location.as_ref().unwrap().file.as_ref(), "f.click");
}

// ---- errors, each with its message and location ----

#[test]
fn redeclaration() {
    let errs = errors("a :: A;\na :: B;");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].message, "redeclaration of element 'a'");
    assert_eq!(errs[0].location, Some(Location::new("t.click", 2, 1)));
    assert_eq!(errs[0].notes[0].location, Some(Location::new("t.click", 1, 1)));
}

#[test]
fn element_used_before_declaration() {
    let errs = errors("s :: S; s -> q;\nq :: Queue;");
    assert_eq!(errs.len(), 1);
    assert_eq!(errs[0].message, "undeclared element 'q'");
    assert_eq!(errs[0].location, Some(Location::new("t.click", 1, 14)));
    assert_eq!(errs[0].notes[0].location, Some(Location::new("t.click", 2, 1)));
}

#[test]
fn unknown_bare_names_are_anonymous_primitives() {
    // Like click-flatten, config-lang does not know the primitive classes; the runtime's
    // registry reports unknown classes.
    let g = ok("s :: S; s -> Discrad;");
    assert_eq!(elements(&g), ["s :: S", "Discrad@2 :: Discrad"]);
}

#[test]
fn syntax_errors_recover_at_semicolon() {
    let errs = errors("a :: A; ] b c; d :: D; $x; e :: E; f :: F(");
    let messages: Vec<(&str, u32)> =
        errs.iter().map(|e| (e.message.as_str(), e.location.as_ref().unwrap().column)).collect();
    assert_eq!(
        messages,
        [
            ("syntax error near ']'", 9),
            ("syntax error near '$x'", 24),
            ("unclosed '(': configuration string runs to end of file", 42)
        ]
    );
}

#[test]
fn small_error_kinds() {
    let cases: &[(&str, &str, &str)] = &[
        ("A :: A;", "class 'A' used as element name", "1:1"),
        ("1/x :: A;", "element name '1/x' has all-digit component", "1:1"),
        ("a :: A; a(1) -> a;", "configuration string ignored on element reference", "1:11"),
        ("a :: A; a -> [1] a [2];", "output ports ignored at end of chain", "1:20"),
        ("a :: A; [1] a -> a;", "input ports ignored at start of chain", "1:9"),
        ("a :: A; a [x] -> a;", "syntax error: port number should be integer", "1:12"),
        ("a :: A; a [0 1] -> a;", "syntax error: expected ','", "1:14"),
        ("define($a 1, $a 2);", "parameter '$a' multiply defined", "1:8"),
        ("define(a 1);", "bad 'define' declaration: 'a' is not a variable", "1:8"),
        ("elementclass E { $a, $a | }", "parameter '$a' multiply defined", "1:22"),
        ("elementclass E { COUNT $c, $a | }", "compound element parameters out of order", "1:28"),
        ("x :: { ... };", "cannot extend anonymous compound element class", "1:8"),
        ("elementclass E { ... }", "'...' should occur last, after one or more compounds", "1:18"),
        ("a :: A; elementclass a { }", "'a' already used as an element name", "1:22"),
        ("a :: ;", "missing element type in declaration", "1:6"),
        ("elementclass E { input -> output", "expected '}'", "1:33"),
        ("a -> (input -> output", "expected ')'", "1:22"),
        ("provide(x);", "syntax error near 'provide'", "1:1"),
        ("a :: A; a -> a ::;", "missing element type in declaration", "1:18"),
        ("a :: A; a -> (a) :: B;", "syntax error before '::'", "1:18"),
        ("x :: X; x -> [ -> x;", "syntax error: expected port number", "1:16"),
        ("x :: X; x [99999] -> x;", "port number too large (limit 65535)", "1:12"),
        ("# foo\nx :: X;", "unknown preprocessor directive", "1:1"),
    ];
    for (source, message, location) in cases {
        let errs = errors(source);
        let first = &errs[0];
        let loc = first.location.as_ref().map(|l| format!("{}:{}", l.line, l.column)).unwrap_or_default();
        assert_eq!((first.message.as_str(), loc.as_str()), (*message, *location), "{source}: {errs:#?}");
    }
}

#[test]
fn several_independent_errors_in_one_run() {
    let errs = errors(
        "a :: A;\na :: B;\nb :: B; b -> c :: C -> b;\n1 :: X;\nelementclass E { input -> output; x :: X -> input }",
    );
    let lines: Vec<u32> = errs.iter().map(|e| e.location.as_ref().unwrap().line).collect();
    assert_eq!(lines, [2, 4, 5], "{errs:#?}");
}

#[test]
fn deep_nesting_is_an_error_not_a_crash() {
    let deep = format!("a :: A; a -> {}{} -> a;", "(".repeat(10_000), ")".repeat(10_000));
    let errs = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || errors(&deep))
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert!(errs[0].message.contains("nested too deeply"), "{errs:#?}");
    let braces = format!("x :: {}{};", "{".repeat(5_000), "}".repeat(5_000));
    let errs = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || errors(&braces))
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert!(errs[0].message.contains("nested too deeply"), "{errs:#?}");
}

#[test]
fn exponential_expansion_is_bounded() {
    let mut source = String::from("elementclass C0 { input -> X -> output }\n");
    for i in 1..40 {
        source.push_str(&format!("elementclass C{i} {{ input -> C{} -> C{} -> output }}\n", i - 1, i - 1));
    }
    source.push_str("s :: S; s -> C39 -> s;");
    let errs = errors(&source);
    assert!(errs[0].message.starts_with("configuration expands to more than"), "{errs:#?}");
}

#[test]
fn flat_output_round_trips() {
    let g = ok("elementclass C { $n | input -> q :: Queue($n) -> output }
                s :: InfiniteSource -> C(5) -> Counter -> [1] d :: Discard; s [1] -> d;
                require(package x);");
    let flat = print_flat(&g);
    assert_eq!(
        flat,
        "require(package x);\n\ns :: InfiniteSource;\nCounter@3 :: Counter;\nd :: Discard;\nC@2/q :: Queue(5);\n\n\
         s -> C@2/q\n    -> Counter@3\n    -> [1] d;\ns [1] -> d;\n"
    );
    let again = ok(&flat);
    assert!(again.same_as(&g));
    assert_eq!(again.requirements, g.requirements);
}

#[test]
fn dot_output_has_clusters_and_port_kinds() {
    let g = ok("s :: S; s -> r :: { input -> q :: Queue -> output } -> u :: Unqueue;");
    let q = g.find("r/q").unwrap();
    let info = move |id: ElementId| (id == q).then(|| ("h".to_string(), "l".to_string()));
    let dot = to_dot(&g, Some(&info));
    assert!(dot.starts_with("digraph click {"));
    assert!(dot.contains("subgraph \"cluster_r\" {"), "{dot}");
    assert!(dot.contains("\"s\":o0:s -> \"r/q\":i0:n;"), "{dot}");
    assert!(dot.contains("PORT=\"i0\" BGCOLOR=\"black\""), "{dot}");
    assert!(dot.contains("PORT=\"o0\" BGCOLOR=\"white\""), "{dot}");
    assert!(to_dot(&g, None).contains("BGCOLOR=\"gray90\""));
}

#[test]
fn compound_expansion_depth_is_bounded() {
    let mut source = String::from("elementclass C0 { input -> X -> output }\n");
    for i in 1..=120 {
        source.push_str(&format!("elementclass C{i} {{ input -> C{} -> output }}\n", i - 1));
    }
    source.push_str("s :: S; s -> C120 -> s;");
    let errs = std::thread::Builder::new()
        .stack_size(2 << 20)
        .spawn(move || errors(&source))
        .unwrap()
        .join()
        .expect("no stack overflow");
    assert_eq!(errs[0].message, "compound elements nested too deeply (limit 100)");
    assert_eq!(errs[0].location.as_ref().unwrap().line, 22);
}

#[test]
fn substitution_that_unbalances_a_config_is_an_error() {
    // The default `a"` crosses the closing quote; substituted inside quotes it is escaped, so
    // the quote no longer closes.
    let (message, location) = error("a :: A;\nm :: Message(\"${x-a\"} \"\");");
    assert_eq!(
        (message.as_str(), location.as_str()),
        ("configuration string has unbalanced quotes or parentheses after variable substitution", "2:1")
    );
    // Quotes and parentheses in values are fine when they balance.
    assert_eq!(elements(&ok("define($q '(x)'); m :: M($q \"$q\");")), ["m :: M('(x)' \"'(x)'\")"]);
}

#[test]
fn substitution_that_forms_a_new_reference_is_an_error() {
    // `$l` gives `${x-y`, which with the `}` after it forms `${x-y}`.
    let (message, location) = error("define($l ${x-y);\nm :: Message($l});");
    assert_eq!(
        (message.as_str(), location.as_str()),
        ("variable substitution produced a new variable reference", "2:1")
    );
}

#[test]
fn runaway_variables_are_an_error() {
    let (message, location) = error("define($a x$a);\nm :: Message($a);");
    assert_eq!((message.as_str(), location.as_str()), ("variable substitution too deep or too large", "2:1"));
}

#[test]
fn lexical_and_dangling_arrow_warnings() {
    assert_eq!(warnings("a :: A; a -> ;"), ["t.click:1:11: warning: connection ends with an arrow"]);
    assert_eq!(warnings("a :: A; /* open"), ["t.click:1:9: warning: unterminated '/*' comment"]);
}

#[test]
fn stray_tokens_after_recovery_do_not_swallow_statements() {
    let errs = errors("a :: A;\n]; b :: B;\nb -> c :: C;");
    assert_eq!(errs.len(), 1, "{errs:#?}");
    assert_eq!(errs[0].message, "syntax error near ']'");
}

#[test]
fn command_line_definitions() {
    assert_eq!(parse_definition("DEV=eth0"), Some(("DEV".into(), "eth0".into())));
    assert_eq!(parse_definition("X=a=b"), Some(("X".into(), "a=b".into())));
    assert_eq!(parse_definition("conf.click"), None);
    assert_eq!(parse_definition("a-b=1"), None);
}

#[test]
fn connection_count_is_bounded() {
    let mut source = String::from("a :: A; b :: B;\n");
    for i in 0..8 {
        source.push_str(&format!("a [0-65535] => [0-65535] b; // {i}\n"));
    }
    let errs = errors(&source);
    assert_eq!(errs[0].message, "more than 400000 connections");
    assert_eq!(errs[0].location.as_ref().unwrap().line, 8);
    // One output to many inputs stays fast (this was quadratic once).
    let g = ok("a :: A; b :: B; a [0] -> [0-65535] b;");
    assert_eq!(g.connection_count(), 65_536);
}
