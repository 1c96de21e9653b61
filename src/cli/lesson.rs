//! `learnscope lesson NAME|FILE`: run one of the ML-vs-DL lessons (built in, or a lesson file).

use std::path::{Path, PathBuf};
use std::sync::atomic::AtomicBool;

use clap::Args;

use super::{CliError, print_json};
use crate::lessons::export::{markdown_with_charts, write_charts};
use crate::lessons::{
    Lesson, LessonError, RunOptions, builtin_lesson, builtin_lessons, load_lesson, run_lesson,
};

/// The built-in lessons and their CLI equivalents, for `--help`.
fn lessons_help() -> String {
    let mut text =
        String::from("Built-in lessons (id, difference, and the same experiment with other commands):\n");
    for lesson in builtin_lessons() {
        text.push_str(&format!(
            "  {} (difference {}): {}\n      {}\n",
            lesson.id, lesson.difference, lesson.title, lesson.cli
        ));
    }
    text.push_str("\nA lesson file is JSON like assets/lessons/*.json; edit one and run it with `learnscope lesson my.json`.");
    text
}

#[derive(Args, Debug)]
#[command(after_help = lessons_help())]
pub struct LessonArgs {
    /// A built-in lesson's id (see --list) or the path of a lesson file (.json).
    #[arg(value_name = "NAME|FILE", required_unless_present = "list")]
    pub lesson: Option<String>,
    /// List the built-in lessons: ids and titles.
    #[arg(long)]
    pub list: bool,
    /// Small sizes, few seeds and epochs: seconds instead of minutes (tests, previews).
    #[arg(long)]
    pub quick: bool,
    /// The lesson's whole experiment where it has a larger form (more rows, sizes, seeds and
    /// slow models, e.g. data-dependency up to 20,000 rows with a GRU): minutes, not seconds.
    #[arg(long, conflicts_with = "quick")]
    pub full: bool,
    /// Print the lesson's report as one JSON object instead of text.
    #[arg(long)]
    pub json: bool,
    /// Also write the report into this folder: ID.md, ID.json and its charts as ID-chart-N.png.
    #[arg(long, value_name = "DIR")]
    pub report: Option<PathBuf>,
}

fn find_lesson(name: &str) -> Result<Lesson, CliError> {
    if let Some(lesson) = builtin_lesson(name) {
        return Ok(lesson);
    }
    let path = Path::new(name);
    if path.is_file() {
        return load_lesson(path).map_err(|e| CliError::Usage(e.to_string()));
    }
    let ids: Vec<String> = builtin_lessons().into_iter().map(|l| l.id).collect();
    Err(CliError::Usage(format!(
        "'{name}' is neither a built-in lesson nor a lesson file; built-in lessons: {}",
        ids.join(", ")
    )))
}

fn error_of(e: LessonError) -> CliError {
    match e {
        LessonError::Load { .. } | LessonError::Invalid(_) => CliError::Usage(e.to_string()),
        LessonError::Model { error: crate::models::ModelError::Unsuitable(_), .. } => {
            CliError::Usage(e.to_string())
        }
        _ => CliError::Failure(e.to_string()),
    }
}

pub fn run(args: &LessonArgs) -> Result<(), CliError> {
    if args.list {
        let lessons = builtin_lessons();
        if args.json {
            let list: Vec<_> = lessons
                .iter()
                .map(|l| serde_json::json!({"id": l.id, "title": l.title, "difference": l.difference, "cli": l.cli}))
                .collect();
            return print_json(&serde_json::json!({ "lessons": list }));
        }
        for l in lessons {
            println!("{:<22} {}  {}", l.id, l.difference, l.title);
        }
        return Ok(());
    }
    let name = args.lesson.as_deref().unwrap_or_default();
    let lesson = find_lesson(name)?;
    let quiet = args.json;
    let progress = |_: f32, what: &str| {
        if !quiet && what != "done" {
            eprintln!("  {what}");
        }
    };
    // The CLI is stopped with Ctrl-C; nothing sets this flag.
    let cancel = AtomicBool::new(false);
    let report = run_lesson(&lesson, &RunOptions { quick: args.quick, full: args.full }, &progress, &cancel)
        .map_err(error_of)?;
    if let Some(dir) = &args.report {
        // The charts as PNGs beside the Markdown, drawn by the same code as the studio's export.
        let (_, charts) =
            write_charts(&report, dir, &format!("{}-", lesson.id)).map_err(CliError::Failure)?;
        let markdown = format!(
            "{}\n## What to look at\n\n{}\n\nSame experiment from a terminal: `{}`\n",
            markdown_with_charts(&report, &charts),
            lesson.explanation,
            lesson.cli
        );
        let json = serde_json::to_string_pretty(&report).map_err(|e| CliError::Failure(e.to_string()))?;
        for (file, bytes) in [(format!("{}.md", lesson.id), markdown), (format!("{}.json", lesson.id), json)]
        {
            crate::files::write_bytes_atomically(&dir.join(file), bytes.as_bytes())
                .map_err(|e| CliError::Failure(e.to_string()))?;
        }
    }
    if args.json {
        return print_json(&report);
    }
    println!("{}\n\n{}\n", report.title, report.finding);
    if !report.question.is_empty() {
        println!("Question: {}", report.question);
        for answer in &report.answers {
            let verdict = match answer.came_true {
                Some(true) => "came true",
                Some(false) => "did not",
                None => "not settled",
            };
            println!("  [{verdict:^11}] {}", answer.text);
        }
        println!();
    }
    for table in &report.tables {
        println!("{}", table.title);
        let widths: Vec<usize> = (0..table.columns.len())
            .map(|c| {
                table
                    .rows
                    .iter()
                    .map(|r| r.get(c).map_or(0, |s| s.chars().count()))
                    .max()
                    .unwrap_or(0)
                    .max(table.columns[c].chars().count())
            })
            .collect();
        let line = |cells: &[String]| {
            cells.iter().zip(&widths).map(|(s, w)| format!("{s:<w$}")).collect::<Vec<_>>().join("  ")
        };
        println!("  {}", line(&table.columns));
        for row in &table.rows {
            println!("  {}", line(row));
        }
        println!();
    }
    Ok(())
}
