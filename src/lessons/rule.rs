//! The rules that say whether a lesson's answer came true, written over the run's figures:
//! `CNN@50 > best_classical@50`, `lead_largest >= 0.15`, `crossing_size >= 0 and crossing_size <= 1000`.
//!
//! Written here rather than with an expression crate: the grammar is a dozen lines, figure names
//! hold `@` and `.` (which general-purpose evaluators read as operators), and the message for a
//! teacher's typo must name the figure the run did not measure.
//!
//! Grammar: `rule = comparison (("and" | "or") comparison)*` (left to right, no precedence);
//! `comparison = sum ("<" | "<=" | ">" | ">=") sum`; `sum = term (("+" | "-") term)*`;
//! `term = number | figure name | "-" term`.

use super::Figure;

/// A parsed rule.
#[derive(Clone, Debug, PartialEq)]
pub struct Rule {
    first: Comparison,
    rest: Vec<(Joint, Comparison)>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Joint {
    And,
    Or,
}

#[derive(Clone, Debug, PartialEq)]
struct Comparison {
    left: Sum,
    op: Op,
    right: Sum,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Op {
    Less,
    LessEq,
    Greater,
    GreaterEq,
}

/// Terms added together, each with its sign.
#[derive(Clone, Debug, PartialEq)]
struct Sum(Vec<(f64, Term)>);

#[derive(Clone, Debug, PartialEq)]
enum Term {
    Number(f64),
    Figure(String),
}

#[derive(Clone, Debug, PartialEq)]
enum Token {
    Number(f64),
    Name(String),
    Op(Op),
    Plus,
    Minus,
}

const MAX_RULE_CHARS: usize = 500;

fn tokenize(text: &str) -> Result<Vec<Token>, String> {
    if text.len() > MAX_RULE_CHARS {
        return Err(format!("a rule is at most {MAX_RULE_CHARS} characters"));
    }
    let chars: Vec<char> = text.chars().collect();
    let mut tokens = Vec::new();
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        let name_char = |c: char| c.is_alphanumeric() || matches!(c, '_' | '@' | '.');
        match c {
            ' ' | '\t' | '\n' => i += 1,
            '<' | '>' => {
                let with_equals = chars.get(i + 1) == Some(&'=');
                tokens.push(Token::Op(match (c, with_equals) {
                    ('<', false) => Op::Less,
                    ('<', true) => Op::LessEq,
                    ('>', false) => Op::Greater,
                    _ => Op::GreaterEq,
                }));
                i += 1 + usize::from(with_equals);
            }
            '+' => {
                tokens.push(Token::Plus);
                i += 1;
            }
            '-' => {
                tokens.push(Token::Minus);
                i += 1;
            }
            c if name_char(c) => {
                let start = i;
                while i < chars.len() && name_char(chars[i]) {
                    i += 1;
                }
                let word: String = chars[start..i].iter().collect();
                // "0.15" is a number, "6_relu_layers_first_to_last_ratio" a figure's name.
                match word.parse::<f64>() {
                    Ok(value) if value.is_finite() => tokens.push(Token::Number(value)),
                    _ if c.is_ascii_digit() && word.chars().all(|c| c.is_ascii_digit() || c == '.') => {
                        return Err(format!("'{word}' is not a number"));
                    }
                    _ => tokens.push(Token::Name(word)),
                }
            }
            other => return Err(format!("'{other}' cannot stand in a rule (use < <= > >= + - and, or)")),
        }
    }
    Ok(tokens)
}

struct Parser {
    tokens: Vec<Token>,
    at: usize,
}

impl Parser {
    fn next(&mut self) -> Option<Token> {
        let token = self.tokens.get(self.at).cloned();
        self.at += 1;
        token
    }

    fn peek(&self) -> Option<&Token> {
        self.tokens.get(self.at)
    }

    fn term(&mut self) -> Result<(f64, Term), String> {
        match self.next() {
            Some(Token::Number(v)) => Ok((1.0, Term::Number(v))),
            Some(Token::Name(name)) if name != "and" && name != "or" => Ok((1.0, Term::Figure(name))),
            Some(Token::Minus) => self.term().map(|(sign, term)| (-sign, term)),
            Some(other) => Err(format!("expected a figure or a number, found {other:?}")),
            None => Err("the rule ends where a figure or a number should follow".into()),
        }
    }

    fn sum(&mut self) -> Result<Sum, String> {
        let mut terms = vec![self.term()?];
        while let Some(sign) = match self.peek() {
            Some(Token::Plus) => Some(1.0),
            Some(Token::Minus) => Some(-1.0),
            _ => None,
        } {
            self.at += 1;
            let (inner, term) = self.term()?;
            terms.push((sign * inner, term));
        }
        Ok(Sum(terms))
    }

    fn comparison(&mut self) -> Result<Comparison, String> {
        let left = self.sum()?;
        let op = match self.next() {
            Some(Token::Op(op)) => op,
            _ => return Err("each part of a rule compares two sides with < <= > or >=".into()),
        };
        Ok(Comparison { left, op, right: self.sum()? })
    }
}

impl Rule {
    pub fn parse(text: &str) -> Result<Rule, String> {
        let mut parser = Parser { tokens: tokenize(text)?, at: 0 };
        if parser.tokens.is_empty() {
            return Err("the rule is empty".into());
        }
        let first = parser.comparison()?;
        let mut rest = Vec::new();
        while let Some(token) = parser.next() {
            let joint = match token {
                Token::Name(word) if word == "and" => Joint::And,
                Token::Name(word) if word == "or" => Joint::Or,
                other => return Err(format!("expected 'and' or 'or' between comparisons, found {other:?}")),
            };
            rest.push((joint, parser.comparison()?));
        }
        Ok(Rule { first, rest })
    }

    /// Whether the rule holds for these figures; `Err` names a figure the run did not measure.
    pub fn holds(&self, figures: &[Figure]) -> Result<bool, String> {
        let mut result = self.first.holds(figures)?;
        for (joint, comparison) in &self.rest {
            let next = comparison.holds(figures)?;
            result = match joint {
                Joint::And => result && next,
                Joint::Or => result || next,
            };
        }
        Ok(result)
    }
}

impl Comparison {
    fn holds(&self, figures: &[Figure]) -> Result<bool, String> {
        let (left, right) = (self.left.value(figures)?, self.right.value(figures)?);
        Ok(match self.op {
            Op::Less => left < right,
            Op::LessEq => left <= right,
            Op::Greater => left > right,
            Op::GreaterEq => left >= right,
        })
    }
}

impl Sum {
    fn value(&self, figures: &[Figure]) -> Result<f64, String> {
        let mut total = 0.0;
        for (sign, term) in &self.0 {
            let value = match term {
                Term::Number(v) => *v,
                Term::Figure(name) => figures
                    .iter()
                    .find(|f| &f.name == name)
                    .map(|f| f.value)
                    .filter(|v| v.is_finite())
                    .ok_or_else(|| format!("the run did not measure '{name}'"))?,
            };
            total += sign * value;
        }
        Ok(total)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn figures() -> Vec<Figure> {
        [
            ("CNN@50", 0.4),
            ("best_classical@50", 0.55),
            ("crossing_size", 1000.0),
            ("lead", 0.2),
            ("6_relu", 0.3),
        ]
        .map(|(name, value)| Figure { name: name.into(), value })
        .to_vec()
    }

    #[test]
    fn rules_compare_figures_and_numbers() {
        let f = figures();
        let check = |text: &str| Rule::parse(text).unwrap().holds(&f).unwrap();
        assert!(check("CNN@50 < best_classical@50"));
        assert!(!check("CNN@50 > best_classical@50"));
        assert!(check("CNN@50 + 0.2 >= best_classical@50"));
        assert!(check("crossing_size >= 0 and crossing_size <= 1000"));
        assert!(!check("crossing_size < 0 or crossing_size > 1000"));
        assert!(check("lead - 0.15 > 0 and -lead < 0"));
        assert!(check("6_relu > 0.25"), "a figure's name may start with a digit");
    }

    #[test]
    fn bad_rules_and_missing_figures_say_what_is_wrong() {
        assert!(Rule::parse("").unwrap_err().contains("empty"));
        assert!(Rule::parse("a > ").unwrap_err().contains("ends"));
        assert!(Rule::parse("a = b").unwrap_err().contains("'='"));
        assert!(Rule::parse("a > b c > d").unwrap_err().contains("'and' or 'or'"));
        assert!(Rule::parse("a b").unwrap_err().contains("compares two sides"));
        assert!(Rule::parse(&"a".repeat(600)).is_err());
        assert!(Rule::parse("a > 1.2.3").unwrap_err().contains("'1.2.3'"));
        let missing = Rule::parse("GRU@20000 > 0.9").unwrap().holds(&figures()).unwrap_err();
        assert!(missing.contains("'GRU@20000'"), "{missing}");
    }
}
