// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "registry/RegistryStore.h"
#include <QByteArray>
#include <QList>
#include <QString>
#include <QStringList>
#include <optional>

namespace re6st::registry {

// Communities (--community FILE), registry-protocol.md §11: sub-trees of the
// prefix space reserved for nodes of given countries / continents. Allocated
// prefix length = requested length + community length (§7.3).
class Communities final
{
public:
    struct Entry
    {
        QByteArray prefix;     // bit string relative to the network
        QStringList locations; // "*", country "FR", or continent "@EU"
    };

    // No file: the single default community "" (whole network, location "*").
    Communities();

    // Parses "<bits> <loc> [<loc>...]" lines; blank and '#' lines ignored.
    // Also runs validate(). On failure returns nullopt and *error =
    // "Invalid community configuration: <reason>".
    static std::optional<Communities> parse(const QByteArray &text, QString *error);
    static std::optional<Communities> load(const QString &path, QString *error);

    // Exactly one community lists "*"; no community is a prefix of (or equal
    // to) another; `maxLength` (128 - network length, 0 = unchecked) bounds
    // the community length. Same error format as parse().
    bool validate(QString *error, int maxLength = 0) const;
    // No row holding a certificate (PEM or 'reserved') has a prefix that is
    // a prefix of (or equal to) a community (§11). Call at startup with
    // store.rows().
    bool validateAgainst(const QList<RegistryStore::CertRow> &rows, QString *error) const;
    // Same with store.heldPrefixes() (no PEM loaded: what main() uses).
    bool validateAgainst(const QList<QByteArray> &heldPrefixes, QString *error) const;

    // §11: first community listing `country`; else first listing
    // "@"+`continent`; else the "*" one; else "". Empty / "*" inputs never match
    // a country or continent entry.
    QByteArray choose(const QString &country, const QString &continent) const;

    const QList<Entry> &entries() const { return m_entries; }
    bool isDefault() const; // only the implicit "" community

private:
    QList<Entry> m_entries; // file order
};

} // namespace re6st::registry
