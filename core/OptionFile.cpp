// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/OptionFile.h"

#include "core/RegularFile.h"

namespace re6st {
namespace {

constexpr int kMaxIncludeDepth = 16;
// The depth alone does not bound the work: 16 levels each including the next
// file 20 times is legal. Real configurations are far below these limits.
constexpr qsizetype kMaxArguments = 100000;
constexpr int kMaxFiles = 256;

struct Expansion
{
    const OptionFile::KnownOption &isKnown;
    QString *error;
    QStringList out;
    int files = 0;

    bool fail(const QString &message)
    {
        if (error) *error = message;
        return false;
    }
    bool tooMany(qsizetype pending) const { return out.size() + pending > kMaxArguments; }
    bool failTooMany(const QString &where)
    {
        return fail(QStringLiteral("option files expand to more than %1 arguments%2 (the same file included "
                                   "many times?); check the @ lines").arg(kMaxArguments).arg(where));
    }
    bool args(const QStringList &args, int depth);
    bool file(const QString &path, int depth);
};

bool Expansion::file(const QString &path, int depth)
{
    if (depth > kMaxIncludeDepth)
        return fail(QStringLiteral("option file %1: too many nested @includes (loop?); check the @ lines").arg(path));
    if (++files > kMaxFiles)
        return fail(QStringLiteral("option file %1: more than %2 @includes in all; check the @ lines")
                        .arg(path).arg(kMaxFiles));
    QString readError;
    const std::optional<QByteArray> data = RegularFile::read(path, &readError); // §13 files are small text
    if (!data) return fail(QStringLiteral("cannot read option file %1: %2").arg(path, readError));
    // Python str.splitlines(): \n, \r\n and \r all end a line.
    QString normalized = QString::fromUtf8(*data);
    normalized.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    normalized.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    const QStringList lines = normalized.split(QLatin1Char('\n'));
    QStringList fileArgs;
    for (int i = 0; i < lines.size(); ++i) {
        QString lineError;
        const auto lineArgs = OptionFile::lineToArgs(lines[i], isKnown, &lineError);
        if (!lineArgs) return fail(QStringLiteral("option file %1, line %2: %3").arg(path).arg(i + 1).arg(lineError));
        fileArgs += *lineArgs;
        if (tooMany(fileArgs.size())) return failTooMany(QStringLiteral(" at %1, line %2").arg(path).arg(i + 1));
    }
    return args(fileArgs, depth + 1);
}

bool Expansion::args(const QStringList &args, int depth)
{
    for (const QString &arg : args) {
        if (arg.startsWith(QLatin1Char('@'))) {
            if (!file(arg.mid(1), depth)) return false;
        } else {
            if (tooMany(1)) return failTooMany({});
            out += arg;
        }
    }
    return true;
}

} // namespace

std::optional<QStringList> OptionFile::expand(const QStringList &args, const KnownOption &isKnown,
                                              QString *error)
{
    Expansion expansion{isKnown, error, {}};
    if (!expansion.args(args, 0)) return std::nullopt;
    return expansion.out;
}

std::optional<QStringList> OptionFile::lineToArgs(const QString &line, const KnownOption &isKnown,
                                                  QString *error)
{
    // §13: ignored unless the text before the first '#' is not blank.
    if (line.section(QLatin1Char('#'), 0, 0).trimmed().isEmpty()) return QStringList();
    if (line.startsWith(QLatin1Char('@'))) return QStringList{line};
    auto words = shellSplit(line, error);
    if (!words) return std::nullopt;
    if (words->isEmpty()) return QStringList();
    const QString word = words->takeFirst();
    const QString option = QStringLiteral("--") + word;
    if (!isKnown || !isKnown(option)) {
        // Upstream's short form: `O--verb` gives `-O--verb`, `4 10.0.0.1` gives `-4 10.0.0.1`.
        // Anything else is a typo: name it here, with the file and line (audit F7), rather
        // than as an option `-word` the user never wrote.
        if (isKnown && (word.isEmpty() || !isKnown(QStringLiteral("-") + word.left(1)))) {
            if (error) *error = QStringLiteral("unknown option '%1' (see --help)").arg(word.left(100));
            return std::nullopt;
        }
        QStringList out{QStringLiteral("-") + word};
        out += *words;
        return out;
    }
    QStringList out{option};
    out += *words;
    return out;
}

std::optional<QStringList> OptionFile::shellSplit(const QString &text, QString *error)
{
    QStringList words;
    QString current;
    bool inWord = false;
    enum { Plain, Single, Double } state = Plain;
    for (qsizetype i = 0; i < text.size(); ++i) {
        const QChar c = text[i];
        switch (state) {
        case Plain:
            // Python shlex's whitespace (" \t\r\n"), not QChar::isSpace(): a no-break
            // space inside a value must not split it into extra options (audit F1).
            if (c == u' ' || c == u'\t' || c == u'\r' || c == u'\n') {
                if (inWord) words += current;
                current.clear();
                inWord = false;
            } else if (c == QLatin1Char('\'')) {
                state = Single;
                inWord = true;
            } else if (c == QLatin1Char('"')) {
                state = Double;
                inWord = true;
            } else if (c == QLatin1Char('\\')) {
                if (i + 1 >= text.size()) {
                    if (error) *error = QStringLiteral("no escaped character after '\\'");
                    return std::nullopt;
                }
                current += text[++i];
                inWord = true;
            } else {
                current += c;
                inWord = true;
            }
            break;
        case Single:
            if (c == QLatin1Char('\'')) state = Plain;
            else current += c;
            break;
        case Double:
            if (c == QLatin1Char('"')) {
                state = Plain;
            } else if (c == QLatin1Char('\\') && i + 1 < text.size()
                       && (text[i + 1] == QLatin1Char('"') || text[i + 1] == QLatin1Char('\\'))) {
                current += text[++i];
            } else {
                current += c;
            }
            break;
        }
    }
    if (state != Plain) {
        if (error) *error = QStringLiteral("no closing quotation; close the quote or escape it");
        return std::nullopt;
    }
    if (inWord) words += current;
    return words;
}

} // namespace re6st
