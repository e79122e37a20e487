// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QList>
#include <QString>
#include <QStringList>

namespace re6st {

// argparse-like tokenizer shared by the command lines (node-protocol.md §1.1):
// GNU long options with unique abbreviations and `--opt=value`, short options
// with attached values (`-O--verb`, `-O3`) or clustered flags (`-mD`), a
// separate value that looks like an option is refused (as argparse does).
// It only splits arguments; the caller interprets the values.
class ArgParser final
{
public:
    struct Option
    {
        int id = 0;
        QString shortName; // "-I" or empty
        QString longName;  // "--main-interface" or empty
        int nargs = 0;     // values taken: 0, 1 or 2
        QString metavar;   // for --help
        QString help;      // for --help
    };
    struct Occurrence
    {
        int id = 0;
        QString name; // the canonical option string, for messages
        QStringList values;
    };
    struct Result
    {
        QList<Occurrence> occurrences; // command line order
        QStringList afterDoubleDash;   // arguments after a bare "--"
        QString error;                 // usage error (exit status 2) if not empty
    };

    explicit ArgParser(QList<Option> options) : m_options(std::move(options)) {}

    // `args` without the program name, @files already expanded.
    Result parse(const QStringList &args) const;
    bool isOptionString(const QString &option) const; // exact short or long string
    // argparse: an argument starting with '-' (other than "-" and negative
    // numbers) is an option string and cannot be a separate value.
    static bool looksLikeOption(const QString &arg);
    // "options:" section: one entry per option, in declaration order.
    QString optionsHelp() const;
    static QString canonicalName(const Option &option);

private:
    const Option *findLong(const QString &name, QString *error) const;
    const Option *findShort(QChar c) const;

    QList<Option> m_options;
};

} // namespace re6st
