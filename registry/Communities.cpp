// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/Communities.h"

#include <QFile>
#include <algorithm>

namespace re6st::registry {

namespace {

QString invalid(const QString &reason)
{
    return QStringLiteral("Invalid community configuration: %1").arg(reason);
}

bool setError(QString *error, const QString &reason)
{
    if (error)
        *error = invalid(reason);
    return false;
}

bool isBitString(const QByteArray &s)
{
    return std::all_of(s.begin(), s.end(), [](char c) { return c == '0' || c == '1'; });
}

const QString kAny = QStringLiteral("*");

} // namespace

Communities::Communities()
{
    m_entries.append(Entry{QByteArray("", 0), QStringList{kAny}});
}

bool Communities::isDefault() const
{
    return m_entries.size() == 1 && m_entries.first().prefix.isEmpty();
}

std::optional<Communities> Communities::parse(const QByteArray &text, QString *error)
{
    Communities result;
    result.m_entries.clear();
    int lineNumber = 0;
    for (const QByteArray &rawLine : text.split('\n')) {
        ++lineNumber;
        const QByteArray line = rawLine.trimmed();
        if (line.isEmpty() || line.startsWith('#'))
            continue;
        const QList<QByteArray> fields = line.simplified().split(' ');
        const QByteArray &bits = fields.first();
        if (!isBitString(bits)) {
            setError(error, QStringLiteral("line %1: '%2' is not a bit string (only 0 and 1); fix the "
                                           "community file")
                                .arg(lineNumber)
                                .arg(QString::fromLatin1(bits)));
            return std::nullopt;
        }
        if (fields.size() < 2) {
            setError(error, QStringLiteral("line %1: community %2 lists no location (*, a country code "
                                           "or @continent); fix the community file")
                                .arg(lineNumber)
                                .arg(QString::fromLatin1(bits)));
            return std::nullopt;
        }
        Entry entry{bits, {}};
        for (qsizetype i = 1; i < fields.size(); ++i)
            entry.locations.append(QString::fromUtf8(fields.at(i)));
        result.m_entries.append(entry);
    }
    if (!result.validate(error))
        return std::nullopt;
    return result;
}

std::optional<Communities> Communities::load(const QString &path, QString *error)
{
    QFile file(path);
    if (!file.open(QIODevice::ReadOnly)) {
        setError(error, QStringLiteral("cannot read %1 (%2); check the --community path")
                            .arg(path, file.errorString()));
        return std::nullopt;
    }
    return parse(file.readAll(), error);
}

bool Communities::validate(QString *error, int maxLength) const
{
    if (m_entries.isEmpty())
        return setError(error, QStringLiteral("no community defined; add a line such as '0 *'"));
    const auto stars = std::count_if(m_entries.begin(), m_entries.end(),
                                     [](const Entry &e) { return e.locations.contains(kAny); });
    if (stars != 1)
        return setError(error, QStringLiteral("exactly one community must contain the default location "
                                              "'*' (found %1); fix the community file")
                                   .arg(stars));
    for (const Entry &e : m_entries) {
        if (!isBitString(e.prefix))
            return setError(error, QStringLiteral("'%1' is not a bit string").arg(QString::fromLatin1(e.prefix)));
        if (maxLength > 0 && e.prefix.size() >= maxLength)
            return setError(error, QStringLiteral("community %1 is too long for the network (at most %2 "
                                                  "bits, leaving room for node prefixes)")
                                       .arg(QString::fromLatin1(e.prefix))
                                       .arg(maxLength - 1));
    }
    // On the sorted list a prefix sorts right before the strings it starts,
    // so checking neighbours is enough.
    QList<QByteArray> sorted;
    for (const Entry &e : m_entries)
        sorted.append(e.prefix);
    std::sort(sorted.begin(), sorted.end());
    for (qsizetype i = 0; i + 1 < sorted.size(); ++i) {
        if (sorted.at(i + 1).startsWith(sorted.at(i)))
            return setError(error, QStringLiteral("community '%1' is a prefix of community '%2'; "
                                                  "communities must not overlap")
                                       .arg(QString::fromLatin1(sorted.at(i)), QString::fromLatin1(sorted.at(i + 1))));
    }
    return true;
}

bool Communities::validateAgainst(const QList<RegistryStore::CertRow> &rows, QString *error) const
{
    QList<QByteArray> held;
    for (const RegistryStore::CertRow &row : rows)
        if (!row.isFree()) held.append(row.prefix);
    return validateAgainst(held, error);
}

bool Communities::validateAgainst(const QList<QByteArray> &heldPrefixes, QString *error) const
{
    for (const QByteArray &prefix : heldPrefixes) {
        for (const Entry &e : m_entries) {
            if (e.prefix.startsWith(prefix))
                return setError(error, QStringLiteral("community %1 is inside the already allocated prefix "
                                                      "'%2'; choose a community outside allocated prefixes")
                                           .arg(QString::fromLatin1(e.prefix), QString::fromLatin1(prefix)));
        }
    }
    return true;
}

QByteArray Communities::choose(const QString &country, const QString &continent) const
{
    if (!country.isEmpty() && country != kAny) {
        for (const Entry &e : m_entries) {
            if (e.locations.contains(country))
                return e.prefix;
        }
    }
    if (!continent.isEmpty() && continent != kAny) {
        const QString tag = continent.startsWith(QLatin1Char('@')) ? continent : QLatin1Char('@') + continent;
        for (const Entry &e : m_entries) {
            if (e.locations.contains(tag))
                return e.prefix;
        }
    }
    for (const Entry &e : m_entries) {
        if (e.locations.contains(kAny))
            return e.prefix;
    }
    return QByteArray("", 0);
}

} // namespace re6st::registry
