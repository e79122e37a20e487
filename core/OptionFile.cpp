// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/OptionFile.h"

#include <QFile>

namespace re6st {
namespace {

constexpr int kMaxIncludeDepth = 16;

bool expandInto(const QStringList &args, const OptionFile::KnownOption &isKnown, int depth,
                QStringList &out, QString *error);

bool expandFile(const QString &path, const OptionFile::KnownOption &isKnown, int depth,
                QStringList &out, QString *error)
{
    if (depth > kMaxIncludeDepth) {
        if (error)
            *error = QStringLiteral("option file %1: too many nested @includes (loop?); "
                                    "check the @ lines").arg(path);
        return false;
    }
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        if (error)
            *error = QStringLiteral("cannot read option file %1: %2").arg(path, file.errorString());
        return false;
    }
    const QString text = QString::fromUtf8(file.readAll());
    // Python str.splitlines(): \n, \r\n and \r all end a line.
    QString normalized = text;
    normalized.replace(QLatin1String("\r\n"), QLatin1String("\n"));
    normalized.replace(QLatin1Char('\r'), QLatin1Char('\n'));
    const QStringList lines = normalized.split(QLatin1Char('\n'));
    QStringList fileArgs;
    for (int i = 0; i < lines.size(); ++i) {
        QString lineError;
        const auto lineArgs = OptionFile::lineToArgs(lines[i], isKnown, &lineError);
        if (!lineArgs) {
            if (error)
                *error = QStringLiteral("option file %1, line %2: %3").arg(path).arg(i + 1).arg(lineError);
            return false;
        }
        fileArgs += *lineArgs;
    }
    return expandInto(fileArgs, isKnown, depth + 1, out, error);
}

bool expandInto(const QStringList &args, const OptionFile::KnownOption &isKnown, int depth,
                QStringList &out, QString *error)
{
    for (const QString &arg : args) {
        if (arg.startsWith(QLatin1Char('@'))) {
            if (!expandFile(arg.mid(1), isKnown, depth, out, error)) return false;
        } else {
            out += arg;
        }
    }
    return true;
}

} // namespace

std::optional<QStringList> OptionFile::expand(const QStringList &args, const KnownOption &isKnown,
                                              QString *error)
{
    QStringList out;
    if (!expandInto(args, isKnown, 0, out, error)) return std::nullopt;
    return out;
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
    const QString option = QStringLiteral("--") + words->takeFirst();
    QStringList out{isKnown && isKnown(option) ? option : option.mid(1)};
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
            if (c.isSpace()) {
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
