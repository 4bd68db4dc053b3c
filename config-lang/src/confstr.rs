//! The parts of Click's configuration-string rules that the language itself needs: splitting
//! arguments at commas, removing comments, and substituting variables.

/// Skips a quoted string starting at the quote at `pos`; returns the index after the closing
/// quote (or the end).
fn skip_quoted(bytes: &[u8], pos: usize) -> usize {
    let quote = bytes[pos];
    let mut i = pos + 1;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => {
                if bytes.get(i + 1) == Some(&b'<') {
                    i = skip_data(bytes, i + 2);
                    continue;
                }
                i += 2;
            }
            c if c == quote => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Skips `\<...>` data after the `\<`; comments inside do not end it.
fn skip_data(bytes: &[u8], mut i: usize) -> usize {
    while i < bytes.len() {
        match bytes[i] {
            b'/' if matches!(bytes.get(i + 1), Some(b'/' | b'*')) => i = skip_comment(bytes, i),
            b'>' => return i + 1,
            _ => i += 1,
        }
    }
    bytes.len()
}

/// Skips a comment starting at `i` (at its `/`).
fn skip_comment(bytes: &[u8], i: usize) -> usize {
    if bytes[i + 1] == b'/' {
        let mut j = i + 2;
        while j < bytes.len() && bytes[j] != b'\n' && bytes[j] != b'\r' {
            j += 1;
        }
        (j + 1).min(bytes.len())
    } else {
        let mut j = i + 2;
        while j + 1 < bytes.len() && !(bytes[j] == b'*' && bytes[j + 1] == b'/') {
            j += 1;
        }
        (j + 2).min(bytes.len())
    }
}

fn is_comment_start(bytes: &[u8], i: usize) -> bool {
    bytes[i] == b'/' && matches!(bytes.get(i + 1), Some(b'/' | b'*'))
}

/// One argument from `start`: leading space and comments skipped, comments inside replaced
/// by a space, trailing space dropped. Returns the text and the index of the comma (or end).
fn uncomment_argument(text: &str, start: usize, stop_at_comma: bool) -> (String, usize) {
    let bytes = text.as_bytes();
    let mut i = start;
    // Skip leading space and comments.
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else if is_comment_start(bytes, i) {
            i = skip_comment(bytes, i);
        } else {
            break;
        }
    }
    let mut out = String::new();
    let (mut left, mut right) = (i, i);
    let mut after_comment = false;
    while i < bytes.len() {
        if bytes[i].is_ascii_whitespace() {
            i += 1;
        } else if is_comment_start(bytes, i) {
            i = skip_comment(bytes, i);
            after_comment = true;
        } else if bytes[i] == b',' && stop_at_comma {
            break;
        } else {
            if after_comment {
                out.push_str(&text[left..right]);
                out.push(' ');
                left = i;
                after_comment = false;
            }
            i = match bytes[i] {
                b'"' | b'\'' => skip_quoted(bytes, i),
                b'\\' if bytes.get(i + 1) == Some(&b'<') => skip_data(bytes, i + 2),
                _ => i + 1,
            };
            right = i;
        }
    }
    out.push_str(&text[left..right.max(left)]);
    (out, i)
}

/// Splits a configuration string into arguments at unquoted commas, removing comments; an
/// empty last argument is dropped (`A(1, )` has one argument).
pub(crate) fn split_arguments(text: &str) -> Vec<String> {
    let mut args = Vec::new();
    let mut pos = 0;
    while pos < text.len() {
        let (arg, comma) = uncomment_argument(text, pos, true);
        pos = comma + 1;
        if !arg.is_empty() || comma < text.len() {
            args.push(arg);
        }
    }
    args
}

/// Splits `word rest` at the first unquoted space: returns the first word and the rest with
/// leading space removed.
pub(crate) fn first_word(text: &str) -> (&str, &str) {
    let bytes = text.as_bytes();
    let mut i = 0;
    while i < bytes.len() && !bytes[i].is_ascii_whitespace() {
        i = match bytes[i] {
            b'"' | b'\'' => skip_quoted(bytes, i),
            _ => i + 1,
        };
    }
    let word = &text[..i.min(text.len())];
    (word, text[word.len()..].trim_start())
}

/// Variable lookup for substitution.
pub(crate) trait Variables {
    /// The raw (unexpanded) value of `name`, if defined.
    fn lookup(&self, name: &str) -> Option<&str>;
}

/// Maximum nesting of variable values that refer to variables (as Click: 10).
const MAX_EXPANSION_DEPTH: usize = 10;

/// Substitutes `$a`, `${a}` and `${a-default}` in `text`, following Click's rules: not inside
/// single quotes or comments; inside double quotes the value is quoted (backslash-escaped);
/// undefined variables are left as written. Values are themselves expanded.
///
/// Returns `None` when values refer to each other too deeply (more than 10 levels, as Click)
/// or expand to more than a megabyte: Click would leave such references half-expanded, and
/// the result would change each time it is parsed again.
pub(crate) fn expand_variables(text: &str, vars: &dyn Variables) -> Option<String> {
    let budget = std::cell::Cell::new(MAX_SUBSTITUTED_BYTES);
    let expanded = expand_at_depth(text, vars, 0, &budget);
    (budget.get() > 0).then_some(expanded)
}

/// Values that refer to themselves several times grow exponentially with depth; stop
/// substituting after this many bytes of values.
const MAX_SUBSTITUTED_BYTES: usize = 1 << 20;

fn expand_at_depth(text: &str, vars: &dyn Variables, depth: usize, budget: &std::cell::Cell<usize>) -> String {
    if !text.contains('$') {
        return text.to_string();
    }
    let bytes = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut copied = 0;
    let mut quote = 0u8;
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'\\' if quote == b'"' => i += 2,
            q @ (b'\'' | b'"') => {
                if quote == 0 {
                    quote = q;
                } else if quote == q {
                    quote = 0;
                }
                i += 1;
            }
            b'/' if quote == 0 && is_comment_start(bytes, i) => i = skip_comment(bytes, i),
            b'$' if quote != b'\'' && i + 1 < bytes.len() => {
                let Some((name, default, end)) = variable_reference(text, i) else {
                    i += 1;
                    continue;
                };
                if depth > MAX_EXPANSION_DEPTH || budget.get() == 0 {
                    if vars.lookup(name).is_some() || default.is_some() {
                        // Too deep or too large: give up (the caller reports it).
                        budget.set(0);
                    }
                    i = end;
                    continue;
                }
                let value = match vars.lookup(name) {
                    Some(value) => Some(expand_at_depth(value, vars, depth + 1, budget)),
                    None => default.map(|d| expand_at_depth(d, vars, depth + 1, budget)),
                };
                if let Some(value) = value {
                    budget.set(budget.get().saturating_sub(value.len().max(1)));
                    out.push_str(&text[copied..i]);
                    if quote == b'"' {
                        out.push_str(&quote_for_double_quotes(&value));
                    } else {
                        out.push_str(&value);
                    }
                    copied = end;
                }
                i = end;
            }
            _ => i += 1,
        }
    }
    out.push_str(&text[copied.min(text.len())..]);
    out
}

/// Parses a variable reference at `i` (the `$`): returns the name, an optional default and the
/// end index.
fn variable_reference(text: &str, i: usize) -> Option<(&str, Option<&str>, usize)> {
    let bytes = text.as_bytes();
    let is_name = |c: u8| c.is_ascii_alphanumeric() || c == b'_';
    if bytes[i + 1] == b'{' {
        let close = text[i + 2..].find('}')? + i + 2;
        let inner = text[i + 2..close].trim_start();
        let name_len = inner.bytes().take_while(|&c| is_name(c)).count();
        let (name, rest) = inner.split_at(name_len);
        let rest = rest.trim_start();
        let default = rest.strip_prefix('-');
        Some((name, default, close + 1))
    } else if is_name(bytes[i + 1]) {
        let len = bytes[i + 1..].iter().take_while(|&&c| is_name(c)).count();
        Some((&text[i + 1..i + 1 + len], None, i + 1 + len))
    } else {
        None
    }
}

/// Escapes a value for insertion between double quotes.
fn quote_for_double_quotes(value: &str) -> String {
    let mut out = String::with_capacity(value.len());
    for c in value.chars() {
        match c {
            '\\' | '"' | '$' => {
                out.push('\\');
                out.push(c);
            }
            '\t' => out.push_str("\\t"),
            '\r' => out.push_str("\\r"),
            '\n' => out.push_str("\\n"),
            c if (c as u32) < 32 || c as u32 == 127 => {
                out.push_str(&format!("\\{:03o}", c as u32));
            }
            c => out.push(c),
        }
    }
    out
}

/// The keyword of a keyword argument such as `COUNT 3`: the first word if it is made of
/// letters, digits and `_.:?!` and followed by space or nothing.
fn keyword_of(argument: &str) -> Option<(&str, &str)> {
    let len = argument
        .bytes()
        .take_while(|&c| c.is_ascii_alphanumeric() || matches!(c, b'_' | b'.' | b':' | b'?' | b'!'))
        .count();
    if len == 0 {
        return None;
    }
    let (word, rest) = argument.split_at(len);
    if !rest.is_empty() && !rest.starts_with(|c: char| c.is_ascii_whitespace()) {
        return None;
    }
    Some((word, rest.trim_start()))
}

/// Assigns compound arguments to formals as Click does: positional formals first, then
/// mandatory keyword formals, then optionally `__REST__` collecting what is left over.
/// `formals[i]` is the keyword of formal i (`None` for positional). Returns the value of each
/// formal, or `None` if the arguments do not fit.
pub(crate) fn assign_arguments(args: &[String], formals: &[Option<&str>]) -> Option<Vec<String>> {
    let has_rest = formals.last() == Some(&Some("__REST__"));
    let named = if has_rest { &formals[..formals.len() - 1] } else { formals };
    let npositional = named.iter().take_while(|f| f.is_none()).count();
    if named.iter().all(|f| f.is_none()) && !has_rest {
        return (args.len() == formals.len()).then(|| args.to_vec());
    }
    let mut values: Vec<Option<String>> = vec![None; formals.len()];
    let mut used = vec![false; args.len()];
    let mut positional_supplied = 0;
    let mut any_keywords = false;
    for (i, arg) in args.iter().enumerate() {
        if positional_supplied >= npositional {
            let keyword_slot = keyword_of(arg)
                .and_then(|(word, rest)| named.iter().position(|f| *f == Some(word)).map(|slot| (slot, rest)));
            if let Some((slot, rest)) = keyword_slot {
                values[slot] = Some(rest.to_string());
                used[i] = true;
                any_keywords = true;
                continue;
            } else if any_keywords {
                if has_rest {
                    continue;
                }
                return None;
            }
        }
        if positional_supplied < npositional {
            values[positional_supplied] = Some(arg.clone());
            used[i] = true;
        }
        positional_supplied += 1;
    }
    if positional_supplied > npositional && !has_rest {
        return None;
    }
    if values[..named.len()].iter().any(Option::is_none) {
        return None;
    }
    if has_rest {
        let rest: Vec<&str> = args.iter().zip(&used).filter(|(_, used)| !**used).map(|(a, _)| a.as_str()).collect();
        values[formals.len() - 1] = Some(rest.join(", "));
    }
    Some(values.into_iter().map(Option::unwrap_or_default).collect())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::HashMap;

    impl Variables for HashMap<&str, &str> {
        fn lookup(&self, name: &str) -> Option<&str> {
            self.get(name).copied()
        }
    }

    #[test]
    fn splits_arguments_like_click() {
        assert_eq!(split_arguments("a, b, c"), ["a", "b", "c"]);
        assert_eq!(split_arguments("  a /*?*/ b,  c, "), ["a b", "c"]);
        assert_eq!(split_arguments("\"x, y\" // ?"), ["\"x, y\""]);
        assert_eq!(split_arguments("1, /* comment */"), ["1"]);
        assert_eq!(split_arguments(""), Vec::<String>::new());
        assert_eq!(split_arguments(", "), [""]);
        assert_eq!(split_arguments("\\<0a, 0b>, x"), ["\\<0a, 0b>", "x"]);
    }

    fn expand(text: &str, vars: &HashMap<&str, &str>) -> String {
        expand_variables(text, vars).expect("expansion within limits")
    }

    #[test]
    fn expands_variables_with_quoting_rules() {
        let vars: HashMap<&str, &str> = [("a", "1"), ("dev", "eth0"), ("q", "say \"hi\""), ("r", "$a$a")].into();
        assert_eq!(expand("x $a y", &vars), "x 1 y");
        assert_eq!(expand("${a}0 $dev.x", &vars), "10 eth0.x");
        assert_eq!(expand("${zz-def} ${a-def}", &vars), "def 1");
        assert_eq!(expand("'$a' \"$a\"", &vars), "'$a' \"1\"");
        assert_eq!(expand("\"$q\"", &vars), "\"say \\\"hi\\\"\"");
        assert_eq!(expand("$undefined $", &vars), "$undefined $");
        assert_eq!(expand("/* $a */ $r", &vars), "/* $a */ 11");
    }

    #[test]
    fn expansion_of_self_reference_terminates() {
        let vars: HashMap<&str, &str> = [("a", "$a$a")].into();
        assert_eq!(expand_variables("$a", &vars), None);
        let vars: HashMap<&str, &str> = [("a", "$a$a$a$a$a$a$a$a")].into();
        assert_eq!(expand_variables("$a", &vars), None);
    }

    #[test]
    fn assigns_positional_keyword_and_rest() {
        let args = |s: &str| split_arguments(s);
        assert_eq!(assign_arguments(&args("1, 2"), &[None, None]), Some(vec!["1".into(), "2".into()]));
        assert_eq!(assign_arguments(&args("1"), &[None, None]), None);
        assert_eq!(assign_arguments(&args("1, 2, 3"), &[None, None]), None);
        assert_eq!(
            assign_arguments(&args("1, 2, COUNT 3, FOO 4"), &[None, Some("COUNT"), Some("__REST__")]),
            Some(vec!["1".into(), "3".into(), "2, FOO 4".into()])
        );
        assert_eq!(assign_arguments(&args("1"), &[Some("COUNT")]), None);
        assert_eq!(assign_arguments(&args("COUNT 5"), &[Some("COUNT")]), Some(vec!["5".into()]));
    }
}
