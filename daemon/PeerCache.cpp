// SPDX-License-Identifier: GPL-2.0-or-later
#include "daemon/PeerCache.h"

#include "core/PeerPayload.h"
#include "core/PythonJson.h"
#include "daemon/RestartRules.h"

#include <QFile>
#include <QJsonArray>
#include <QJsonDocument>
#include <QJsonObject>
#include <QJsonValue>
#include <QSqlDatabase>
#include <QSqlError>
#include <QSqlQuery>
#include <QUuid>

namespace re6st::daemon {

// node-protocol.md §7.1, byte for byte (upstream compares the stored SQL text).
const char *const PeerCache::kPeerTableSql = "CREATE TABLE peer (\n"
                                             "  prefix TEXT PRIMARY KEY NOT NULL,\n"
                                             "  address TEXT NOT NULL)";
const char *const PeerCache::kConfigTableSql = "CREATE TABLE config (\n"
                                               "  name TEXT PRIMARY KEY NOT NULL,\n"
                                               "  value)";

namespace {

const char *const kStatTableSql = "CREATE TABLE volatile.stat (\n"
                                  "  peer TEXT PRIMARY KEY NOT NULL,\n"
                                  "  try INTEGER NOT NULL DEFAULT 0)";
const char *const kStatIndexSql = "CREATE INDEX volatile.stat_try ON stat(try)";
const QLatin1String kJsonSuffix(":json");

// The well-formed entries of an address string, re-serialised and bounded
// (PeerAddress::parseUntrusted): rows hold only these, whoever wrote the text.
QStringList entries(const QString &address)
{
    QStringList out;
    for (const PeerAddress &a : PeerAddress::parseUntrusted(address)) out += PeerAddress::dumpList({a});
    return out;
}

enum class SchemaState { Ok, Mismatch, Unreadable };

SchemaState checkSchema(QSqlDatabase &db)
{
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT name, sql FROM sqlite_master WHERE type = 'table'")))
        return SchemaState::Unreadable;
    while (q.next()) {
        const QString name = q.value(0).toString(), sql = q.value(1).toString();
        if ((name == QLatin1String("peer") && sql != QLatin1String(PeerCache::kPeerTableSql))
            || (name == QLatin1String("config") && sql != QLatin1String(PeerCache::kConfigTableSql)))
            return SchemaState::Mismatch;
    }
    return SchemaState::Ok;
}

} // namespace

PeerCache::PeerCache(QString connection, QByteArray ownPrefix)
    : m_connection(std::move(connection)), m_ownPrefix(std::move(ownPrefix))
{
}

PeerCache::~PeerCache()
{
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

std::unique_ptr<PeerCache> PeerCache::open(const QString &path, const QByteArray &ownPrefix, QString *error)
{
    const QString name = QStringLiteral("re6st-peercache-") + QUuid::createUuid().toString(QUuid::WithoutBraces);
    std::unique_ptr<PeerCache> cache(new PeerCache(name, ownPrefix));
    auto fail = [&](const QString &why) -> std::unique_ptr<PeerCache> {
        if (error)
            *error = QStringLiteral("cache %1: %2; check that the --state directory exists and is writable")
                         .arg(path, why);
        return nullptr;
    };
    QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), name);
    db.setDatabaseName(path);
    for (int attempt = 0;; ++attempt) {
        if (!db.open()) return fail(db.lastError().text());
        const SchemaState state = checkSchema(db);
        if (state == SchemaState::Ok) break;
        // §7.1: a cache of another layout is set aside, not reused.
        db.close();
        if (attempt > 0) return fail(QStringLiteral("cannot create a fresh cache"));
        const QString backup = path + QStringLiteral(".bak");
        QFile::remove(backup);
        if (!QFile::rename(path, backup)) return fail(QStringLiteral("cannot rename it to %1").arg(backup));
    }
    // §7.1: isolation_level=None (autocommit), synchronous OFF, journal in memory.
    if (!cache->exec(QStringLiteral("PRAGMA synchronous = OFF"))
        || !cache->exec(QStringLiteral("PRAGMA journal_mode = MEMORY")))
        return fail(cache->m_error);
    QSet<QString> tables;
    {
        QSqlQuery q(db);
        q.exec(QStringLiteral("SELECT name FROM sqlite_master WHERE type = 'table'"));
        while (q.next()) tables.insert(q.value(0).toString());
    }
    if ((!tables.contains(QStringLiteral("peer")) && !cache->exec(QLatin1String(kPeerTableSql)))
        || (!tables.contains(QStringLiteral("config")) && !cache->exec(QLatin1String(kConfigTableSql))))
        return fail(cache->m_error);
    cache->normaliseAddresses();
    if (!cache->exec(QStringLiteral("ATTACH DATABASE ':memory:' AS volatile"))
        || !cache->exec(QLatin1String(kStatTableSql)) || !cache->exec(QLatin1String(kStatIndexSql))
        || !cache->exec(QStringLiteral("INSERT INTO volatile.stat (peer) SELECT prefix FROM peer WHERE prefix != ''")))
        return fail(cache->m_error);
    return cache;
}

void PeerCache::normaliseAddresses()
{
    // Rows from before addresses were bounded, or from another implementation, get the
    // form addPeer stores, so that no reader gets more (a row without any usable entry goes).
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    QList<std::pair<QString, QString>> changed;
    QSqlQuery q(db);
    if (!q.exec(QStringLiteral("SELECT prefix, address FROM peer WHERE prefix != ''"))) return;
    while (q.next()) {
        const QString address = q.value(1).toString();
        const QString clean = entries(address).join(QLatin1Char(';'));
        if (clean != address) changed.append({q.value(0).toString(), clean});
    }
    q.finish();
    if (changed.isEmpty() || !db.transaction()) return;
    bool ok = true;
    for (const auto &[prefix, clean] : std::as_const(changed))
        ok = ok
            && (clean.isEmpty() ? exec(QStringLiteral("DELETE FROM peer WHERE prefix = ?"), {prefix})
                                : exec(QStringLiteral("UPDATE peer SET address = ? WHERE prefix = ?"), {clean, prefix}));
    ok ? db.commit() : db.rollback();
}

bool PeerCache::exec(const QString &sql, const QVariantList &bind) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.prepare(sql)) {
        m_error = q.lastError().text();
        return false;
    }
    for (const QVariant &v : bind) q.addBindValue(v);
    if (!q.exec()) {
        m_error = q.lastError().text();
        return false;
    }
    return true;
}

bool PeerCache::addPeer(const QByteArray &prefix, const QString &address, bool setPreferred)
{
    const QStringList newList = entries(address);
    if (newList.isEmpty()) { // nothing usable: keep the row and its `try` as they are
        m_error = QStringLiteral("no well-formed address in \"%1\"").arg(address.left(80));
        return false;
    }
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    const QString key = QString::fromLatin1(prefix);
    if (!db.transaction()) {
        m_error = db.lastError().text();
        return false;
    }
    QSqlQuery q(db);
    q.prepare(QStringLiteral("SELECT address FROM peer WHERE prefix = ?"));
    q.addBindValue(key);
    bool ok = q.exec();
    const bool known = ok && q.next();
    const QString old = known ? q.value(0).toString() : QString();
    q.finish();
    if (ok && !known) {
        // §7.2: room for a new peer, dropping failed peers first, then random ones.
        ok = exec(QStringLiteral("DELETE FROM peer WHERE prefix IN (SELECT peer FROM volatile.stat "
                                 "ORDER BY try, RANDOM() LIMIT -1 OFFSET ?)"), {kMaxPeers})
            && exec(QStringLiteral("DELETE FROM volatile.stat WHERE peer NOT IN (SELECT prefix FROM peer)"))
            && exec(QStringLiteral("INSERT INTO peer (prefix, address) VALUES (?, ?)"),
                    {key, newList.join(QLatin1Char(';'))});
    } else if (ok) {
        // §7.2 merge, linear: set lookups instead of list scans.
        const QStringList oldList = entries(old);
        QStringList merged;
        QSet<QString> taken;
        auto take = [&](const QString &a) {
            if (taken.contains(a)) return;
            taken.insert(a);
            merged += a;
        };
        if (setPreferred) { // given addresses first, then the other known ones
            for (const QString &a : newList) take(a);
            for (const QString &a : oldList) take(a);
        } else { // known addresses keep their order first, then new ones
            const QSet<QString> given(newList.cbegin(), newList.cend());
            for (const QString &a : oldList)
                if (given.contains(a)) take(a);
            for (const QString &a : newList) take(a);
        }
        const QString joined = merged.mid(0, PeerAddress::kMaxListEntries).join(QLatin1Char(';'));
        if (joined != old)
            ok = exec(QStringLiteral("UPDATE peer SET address = ? WHERE prefix = ?"), {joined, key});
    } else {
        m_error = q.lastError().text();
    }
    ok = ok && exec(QStringLiteral("INSERT OR REPLACE INTO volatile.stat (peer, try) VALUES (?, 0)"), {key});
    if (!ok) {
        db.rollback();
        return false;
    }
    return db.commit();
}

void PeerCache::connecting(const QByteArray &prefix, int tryValue)
{
    exec(QStringLiteral("UPDATE volatile.stat SET try = ? WHERE peer = ?"), {tryValue, QString::fromLatin1(prefix)});
}

std::optional<QString> PeerCache::getAddress(const QByteArray &prefix) const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("SELECT address FROM peer, volatile.stat WHERE prefix = peer AND prefix = ? AND try = 0"));
    q.addBindValue(QString::fromLatin1(prefix));
    if (q.exec() && q.next()) return q.value(0).toString();
    return std::nullopt;
}

QList<std::pair<QByteArray, QString>> PeerCache::getPeerList(int failed) const
{
    QList<std::pair<QByteArray, QString>> out;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    q.prepare(QStringLiteral("SELECT prefix, address FROM peer, volatile.stat WHERE prefix = peer "
                             "AND prefix != ? AND try = ? ORDER BY RANDOM()"));
    q.addBindValue(QString::fromLatin1(m_ownPrefix));
    q.addBindValue(failed);
    if (q.exec())
        while (q.next()) out.append({q.value(0).toString().toLatin1(), q.value(1).toString()});
    return out;
}

int PeerCache::peerCount() const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (q.exec(QStringLiteral("SELECT COUNT(*) FROM peer WHERE prefix != ''")) && q.next()) return q.value(0).toInt();
    return 0;
}

void PeerCache::keepPeers(int count)
{
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    db.transaction();
    const bool ok = exec(QStringLiteral("DELETE FROM peer WHERE prefix IN (SELECT peer FROM volatile.stat "
                                        "ORDER BY try, RANDOM() LIMIT -1 OFFSET ?)"), {std::max(0, count)})
        && exec(QStringLiteral("DELETE FROM volatile.stat WHERE peer NOT IN (SELECT prefix FROM peer)"));
    ok ? db.commit() : db.rollback();
}

QString PeerCache::ownAddress() const
{
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (q.exec(QStringLiteral("SELECT address FROM peer WHERE prefix = ''")) && q.next()) return q.value(0).toString();
    return {};
}

void PeerCache::setOwnAddress(const QString &address)
{
    exec(QStringLiteral("INSERT OR REPLACE INTO peer (prefix, address) VALUES ('', ?)"), {address});
}

QVariantMap PeerCache::loadConfig() const
{
    QVariantMap config;
    QSqlQuery q(QSqlDatabase::database(m_connection, false));
    if (!q.exec(QStringLiteral("SELECT name, value FROM config"))) return config;
    while (q.next()) {
        QString name = q.value(0).toString();
        QVariant value = q.value(1);
        const bool json = name.endsWith(kJsonSuffix);
        // Legacy caches stored the CRL without the suffix (§7.1).
        if (json || (name == QLatin1String("crl") && value.typeId() == QMetaType::QString)) {
            if (json) name.chop(kJsonSuffix.size());
            QJsonParseError parseError;
            const QJsonDocument doc = QJsonDocument::fromJson(value.toString().toUtf8(), &parseError);
            if (parseError.error != QJsonParseError::NoError) continue;
            value = doc.isArray() ? QVariant(doc.array().toVariantList()) : QVariant(doc.object().toVariantMap());
        }
        // registry-protocol.md §9.2 [BUG]: upstream never loads valid_until; we do.
        config.insert(name, value);
    }
    return config;
}

std::optional<QStringList> PeerCache::storeConfig(const QVariantMap &config)
{
    QVariantMap values = config;
    values.remove(QStringLiteral("delay_restart")); // §7.3: popped, only delays the restart
    QSqlDatabase db = QSqlDatabase::database(m_connection, false);
    if (!db.transaction()) {
        m_error = db.lastError().text();
        return std::nullopt;
    }
    const QStringList changed = RestartRules::changedKeys(loadConfig(), values);
    bool ok = exec(QStringLiteral("DELETE FROM config"));
    for (auto it = values.begin(); ok && it != values.end(); ++it) {
        const QVariant &v = it.value();
        QString name = it.key();
        QVariant stored = v;
        switch (v.typeId()) {
        case QMetaType::QVariantList:
        case QMetaType::QStringList:
        case QMetaType::QVariantMap:
            name += kJsonSuffix;
            stored = QString::fromLatin1(pythonJsonDumps(QJsonValue::fromVariant(v)));
            break;
        case QMetaType::Bool:
            stored = v.toBool() ? 1 : 0; // as Python's sqlite3 stores True/False
            break;
        default:
            break;
        }
        ok = exec(QStringLiteral("INSERT INTO config (name, value) VALUES (?, ?)"), {name, stored});
    }
    if (!ok || !db.commit()) {
        if (m_error.isEmpty()) m_error = db.lastError().text();
        db.rollback();
        return std::nullopt;
    }
    return changed;
}

QSet<qint64> PeerCache::crl() const
{
    QSet<qint64> out;
    for (const QVariant &v : loadConfig().value(QStringLiteral("crl")).toList()) out.insert(v.toLongLong());
    return out;
}

} // namespace re6st::daemon
