// SPDX-License-Identifier: GPL-2.0-or-later
// Characters that must never reach a line-oriented sink (a mail header, an SMTP
// command, re6stnet.conf, a log line) from untrusted or user input.
#pragma once

#include <QChar>
#include <QList>
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

// Whether `escaped` also writes "\\" for a backslash: then every escape in the result
// stands for one character of `s` (RemoteLogFilter). Keep leaves backslashes as they are,
// so that escaping text that was already escaped changes nothing (the process log, which
// also sees lines escaped before).
enum class Backslash { Keep, Double };

// `s` on one line and inert in a terminal or a log, every character kept visible: C0
// and C1 controls (\n, \r, ESC...), DEL, format characters (bidi overrides, zero-width
// joiners...) and U+2028/U+2029 are written \xNN (up to U+00FF) or \uNNNN, e.g.
// "a\nb" becomes "a\x0ab"; a lone surrogate becomes U+FFFD. For what is shown rather
// than cleaned (oneLine).
inline QString escaped(QStringView s, Backslash backslash = Backslash::Keep)
{
    QString out;
    out.reserve(s.size());
    for (const uint c : s.toUcs4()) {
        const QChar::Category cat = QChar::category(char32_t(c));
        if (c == '\\' && backslash == Backslash::Double) {
            out += QLatin1String("\\\\");
        } else if (cat == QChar::Other_Control || cat == QChar::Other_Format || cat == QChar::Other_Surrogate
                   || cat == QChar::Separator_Line || cat == QChar::Separator_Paragraph) {
            out += c < 0x100 ? QStringLiteral("\\x%1").arg(c, 2, 16, QLatin1Char('0'))
                             : QStringLiteral("\\u%1").arg(c, 4, 16, QLatin1Char('0'));
        } else {
            out += QStringView(QChar::fromUcs4(char32_t(c)));
        }
    }
    return out;
}

} // namespace re6st::text
