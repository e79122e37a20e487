// SPDX-License-Identifier: GPL-2.0-or-later
#include "core/ArgParser.h"

namespace re6st {
namespace {

bool isNegativeNumber(const QString &arg)
{
    bool ok = false;
    arg.toDouble(&ok);
    return ok && arg.startsWith(QLatin1Char('-'));
}

} // namespace

bool ArgParser::looksLikeOption(const QString &arg)
{
    return arg.size() > 1 && arg.startsWith(QLatin1Char('-')) && !isNegativeNumber(arg);
}

QString ArgParser::canonicalName(const Option &option)
{
    return option.longName.isEmpty() ? option.shortName : option.longName;
}

bool ArgParser::isOptionString(const QString &option) const
{
    for (const Option &o : m_options)
        if ((!o.longName.isEmpty() && option == o.longName) || (!o.shortName.isEmpty() && option == o.shortName))
            return true;
    return false;
}

const ArgParser::Option *ArgParser::findLong(const QString &name, QString *error) const
{
    const Option *match = nullptr;
    QStringList candidates;
    for (const Option &o : m_options) {
        if (o.longName.isEmpty()) continue;
        if (o.longName == name) return &o;
        if (o.longName.startsWith(name)) {
            match = &o;
            candidates += o.longName;
        }
    }
    if (candidates.size() == 1) return match; // unique abbreviation, as argparse
    if (candidates.size() > 1)
        *error = QStringLiteral("ambiguous option: %1 could match %2; spell the option out")
                     .arg(name, candidates.join(QLatin1String(", ")));
    else
        *error = QStringLiteral("unrecognized argument: %1 (see --help)").arg(name);
    return nullptr;
}

const ArgParser::Option *ArgParser::findShort(QChar c) const
{
    for (const Option &o : m_options)
        if (o.shortName.size() == 2 && o.shortName[1] == c) return &o;
    return nullptr;
}

ArgParser::Result ArgParser::parse(const QStringList &args) const
{
    Result result;
    auto fail = [&result](const QString &message) {
        result.error = message;
        return result;
    };
    for (int i = 0; i < args.size(); ++i) {
        const QString arg = args[i];
        if (arg == QLatin1String("--")) {
            result.afterDoubleDash = args.mid(i + 1);
            break;
        }
        // Options found in this argument with the values attached to it.
        QList<std::pair<const Option *, QStringList>> found;
        if (arg.startsWith(QLatin1String("--"))) {
            const qsizetype eq = arg.indexOf(QLatin1Char('='));
            QString error;
            const Option *o = findLong(eq < 0 ? arg : arg.left(eq), &error);
            if (!o) return fail(error);
            QStringList values;
            if (eq >= 0) {
                if (o->nargs != 1)
                    return fail(QStringLiteral("argument %1: '=' value not allowed here").arg(canonicalName(*o)));
                values += arg.mid(eq + 1);
            }
            found.append({o, values});
        } else if (looksLikeOption(arg)) {
            for (qsizetype k = 1; k < arg.size(); ++k) {
                const Option *o = findShort(arg[k]);
                if (!o) {
                    return fail(k == 1 ? QStringLiteral("unrecognized argument: %1 (see --help)").arg(arg)
                                       : QStringLiteral("argument %1: ignored explicit argument '%2'")
                                             .arg(canonicalName(*found.last().first), arg.mid(k)));
                }
                if (o->nargs > 0 && k + 1 < arg.size()) { // -O3, -O--verb
                    found.append({o, QStringList{arg.mid(k + 1)}});
                    break;
                }
                found.append({o, QStringList()});
            }
        } else {
            return fail(QStringLiteral("unrecognized argument: %1 (options start with - or --, "
                                       "option files with @)").arg(arg));
        }
        for (qsizetype f = 0; f < found.size(); ++f) {
            const Option *o = found[f].first;
            QStringList values = found[f].second;
            const bool last = f + 1 == found.size();
            while (values.size() < o->nargs) {
                if (!last || i + 1 >= args.size() || looksLikeOption(args[i + 1]))
                    return fail(QStringLiteral("argument %1: expected %2 argument%3")
                                    .arg(canonicalName(*o), o->nargs == 1 ? QStringLiteral("one")
                                                                          : QString::number(o->nargs),
                                         o->nargs == 1 ? QString() : QStringLiteral("s")));
                values += args[++i];
            }
            result.occurrences.append({o->id, canonicalName(*o), values});
        }
    }
    return result;
}

QString ArgParser::optionsHelp() const
{
    QString text = QStringLiteral("options:\n");
    for (const Option &o : m_options) {
        QString names = o.shortName;
        if (!o.shortName.isEmpty() && !o.longName.isEmpty()) names += QLatin1String(", ");
        names += o.longName;
        if (!o.metavar.isEmpty()) names += QLatin1Char(' ') + o.metavar;
        text += QStringLiteral("  %1\n      %2\n").arg(names, o.help);
    }
    return text;
}

} // namespace re6st
