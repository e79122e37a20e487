// SPDX-License-Identifier: GPL-2.0-or-later
// Characters that must never reach a line-oriented sink (a mail header, an SMTP
// command, re6stnet.conf, a log line) from untrusted or user input.
#pragma once

#include <QChar>
#include <QString>

namespace re6st::text {

// Invisible characters that break lines or hide text: C0/C1 controls, format
// characters (bidi overrides...), line and paragraph separators.
inline bool isInvisible(QChar c)
{
    switch (c.category()) {
    case QChar::Other_Control:
    case QChar::Other_Format:
    case QChar::Separator_Line:
    case QChar::Separator_Paragraph:
        return true;
    default:
        return false;
    }
}

// "U+000A": how an error message names a character it refuses.
inline QString codePoint(QChar c)
{
    return QStringLiteral("U+%1").arg(c.unicode(), 4, 16, QLatin1Char('0')).toUpper();
}

// `s` on one line, for text from an untrusted party shown in a terminal or a
// log: every run of invisible characters (line breaks, ESC, bidi overrides...)
// and whitespace becomes one space, and more than `maxChars` characters end in
// an ellipsis.
inline QString oneLine(const QString &s, int maxChars)
{
    QString line;
    for (const QChar c : s) {
        if (isInvisible(c) || c.isSpace()) {
            if (!line.isEmpty() && !line.endsWith(u' ')) line += u' ';
        } else {
            line += c;
        }
    }
    line = line.trimmed();
    if (line.size() > maxChars) line = line.left(maxChars - 1) + QChar(0x2026);
    return line;
}

} // namespace re6st::text
