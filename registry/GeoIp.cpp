// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/GeoIp.h"

#include <QByteArray>
#include <QFile>
#include <QHostAddress>
#include <maxminddb.h>

namespace re6st::registry {

GeoIp::GeoIp() = default;

GeoIp::~GeoIp()
{
    if (m_db)
        MMDB_close(m_db.get());
}

bool GeoIp::open(const QString &path, QString *error)
{
    if (m_db) {
        MMDB_close(m_db.get());
        m_db.reset();
    }
    auto db = std::make_unique<MMDB_s>();
    const QByteArray file = QFile::encodeName(path);
    const int status = MMDB_open(file.constData(), MMDB_MODE_MMAP, db.get());
    if (status != MMDB_SUCCESS) {
        if (error)
            *error = QStringLiteral("Cannot open GeoIP database %1: %2; set GEOIP2_MMDB to a "
                                    "GeoIP2/GeoLite2 Country .mmdb file")
                         .arg(path, QString::fromUtf8(MMDB_strerror(status)));
        return false;
    }
    m_db = std::move(db);
    m_path = path;
    return true;
}

std::unique_ptr<GeoIp> GeoIp::fromEnvironment(QString *error)
{
    const QString path = qEnvironmentVariable("GEOIP2_MMDB");
    if (path.isEmpty())
        return nullptr;
    auto geoIp = std::make_unique<GeoIp>();
    if (!geoIp->open(path, error))
        return nullptr;
    return geoIp;
}

namespace {

QString utf8String(MMDB_entry_s *entry, const char *key, const char *sub)
{
    MMDB_entry_data_s data{};
    const int status = MMDB_get_value(entry, &data, key, sub, nullptr);
    if (status != MMDB_SUCCESS || !data.has_data || data.type != MMDB_DATA_TYPE_UTF8_STRING)
        return {};
    return QString::fromUtf8(data.utf8_string, int(data.data_size));
}

} // namespace

GeoIp::Location GeoIp::lookup(const QString &address) const
{
    Location location;
    if (!m_db)
        return location;
    int gaiError = 0;
    int mmdbError = MMDB_SUCCESS;
    // Only numeric addresses: never let getaddrinfo resolve a host name.
    const QHostAddress parsed(address.trimmed());
    if (parsed.isNull())
        return location;
    const QByteArray ip = parsed.toString().toLatin1();
    MMDB_lookup_result_s result = MMDB_lookup_string(m_db.get(), ip.constData(), &gaiError, &mmdbError);
    if (gaiError != 0 || mmdbError != MMDB_SUCCESS || !result.found_entry)
        return location;
    const QString country = utf8String(&result.entry, "country", "iso_code");
    if (country.isEmpty())
        return location;
    location.country = country;
    const QString continent = utf8String(&result.entry, "continent", "code");
    if (!continent.isEmpty())
        location.continent = continent;
    return location;
}

} // namespace re6st::registry
