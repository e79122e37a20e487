// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QString>
#include <memory>

struct MMDB_s;

namespace re6st::registry {

// Country lookups in a MaxMind GeoIP2/GeoLite2 Country database through
// libmaxminddb, registry-protocol.md §11. Enabled by env GEOIP2_MMDB.
class GeoIp final
{
public:
    struct Location
    {
        QString country = QStringLiteral("*");   // ISO alpha-2, e.g. "FR"
        QString continent = QStringLiteral("*"); // continent code, e.g. "EU"
        bool found() const { return country != QLatin1String("*"); }
    };

    GeoIp();
    ~GeoIp();
    GeoIp(const GeoIp &) = delete;
    GeoIp &operator=(const GeoIp &) = delete;

    // Opens an .mmdb file (memory-mapped). False + *error on failure.
    bool open(const QString &path, QString *error);
    // Opens $GEOIP2_MMDB. Returns nullptr without error if the variable is
    // unset/empty (GeoIP disabled); nullptr + *error if it cannot be opened.
    static std::unique_ptr<GeoIp> fromEnvironment(QString *error);

    bool isOpen() const { return m_db != nullptr; }
    QString path() const { return m_path; }

    // IPv4 or IPv6 text. {"*","*"} when not open, the address is invalid, or
    // not found; a missing continent alone gives continent "*".
    Location lookup(const QString &address) const;

private:
    std::unique_ptr<MMDB_s> m_db;
    QString m_path;
};

} // namespace re6st::registry
