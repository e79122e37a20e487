// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QString>
#include <QStringList>
#include <functional>
#include <optional>

namespace re6st {

// `@FILE` option files as re6st-registry and re6stnet read them
// (registry-protocol.md §13): each line whose text before any '#' is not blank
// is split shell-like into `name args…` and becomes `--name args…`, or
// `-name args…` when `--name` is not a known option but `-n` is (so `O--verb`
// gives `-O--verb`); any other name is an error "unknown option 'name'" with
// the file and line. A line starting with '@' includes another file. `@FILE`
// arguments on the command line are expanded the same way (recursively).
// Option files must be regular files of at most 1 MiB; the expansion stops
// at 16 nested includes, 256 files or 100,000 arguments in all.
class OptionFile final
{
public:
    using KnownOption = std::function<bool(const QString &optionString)>;

    // Nullopt + *error (saying which file/line and what to fix) on failure.
    static std::optional<QStringList> expand(const QStringList &args, const KnownOption &isKnown,
                                             QString *error);
    // One line → arguments (empty list for blank/comment lines).
    static std::optional<QStringList> lineToArgs(const QString &line, const KnownOption &isKnown,
                                                 QString *error);
    // POSIX shell-like split (quotes, backslash escapes), as Python shlex.split:
    // words are separated by " \t\r\n" only, never by other Unicode spaces.
    static std::optional<QStringList> shellSplit(const QString &text, QString *error);
};

} // namespace re6st
