// SPDX-License-Identifier: GPL-2.0-or-later
#include "registry/RegistryStore.h"
#include "registry/WalSync.h"

#include <QAtomicInteger>
#include <QDir>
#include <QFileInfo>
#include <QLoggingCategory>
#include <QSqlError>
#include <QSqlQuery>

namespace re6st::registry {

Q_LOGGING_CATEGORY(lcStore, "re6st.registry.store")

namespace {

// registry-protocol.md §12: byte-identical CREATE TABLE statements, in
// creation order. Upstream refuses a DB whose stored SQL differs; so do we.
struct TableSchema
{
    const char *name;
    const char *sql;
};
constexpr TableSchema kTables[] = {
    {"config", "CREATE TABLE config (\n  name TEXT PRIMARY KEY NOT NULL,\n  value)"},
    {"token", "CREATE TABLE token (\n  token TEXT PRIMARY KEY NOT NULL,\n  email TEXT NOT NULL,\n"
              "  prefix_len INTEGER NOT NULL,\n  date INTEGER NOT NULL)"},
    {"cert", "CREATE TABLE cert (\n  prefix TEXT PRIMARY KEY NOT NULL,\n  email TEXT,\n  cert TEXT)"},
    {"crl", "CREATE TABLE crl (\n  serial INTEGER PRIMARY KEY NOT NULL,\n  date INTEGER NOT NULL)"},
};

QAtomicInteger<quint64> s_connectionCounter;

// Prefixes and certificates are TEXT columns: bind them as QString so that
// comparisons with rows written by upstream (TEXT) match.
QVariant text(const QByteArray &bytes)
{
    if (bytes.isNull())
        return QVariant(QMetaType::fromType<QString>());
    return QString::fromLatin1(bytes);
}

QVariant textOrNull(const QString &s)
{
    if (s.isNull())
        return QVariant(QMetaType::fromType<QString>());
    return s;
}

// A column as bytes whether SQLite holds TEXT or BLOB (§12: accept both);
// null only for SQL NULL, empty-but-not-null for '' / empty BLOB.
QByteArray bytesAt(const QSqlQuery &q, int i)
{
    if (q.isNull(i))
        return {};
    const QVariant v = q.value(i);
    QByteArray b = v.typeId() == QMetaType::QByteArray ? v.toByteArray() : v.toString().toUtf8();
    if (b.isNull())
        b = QByteArray("", 0);
    return b;
}

QString stringAt(const QSqlQuery &q, int i)
{
    if (q.isNull(i))
        return {};
    const QVariant v = q.value(i);
    QString s = v.typeId() == QMetaType::QByteArray ? QString::fromUtf8(v.toByteArray()) : v.toString();
    if (s.isNull())
        s = QLatin1String("");
    return s;
}

} // namespace

// ---------------------------------------------------------------- Transaction

RegistryStore::Transaction::Transaction(RegistryStore &store, Durability durability) : m_store(store)
{
    // SQLite ignores a change of the level inside a transaction: set it first.
    m_grouped = durability == Durability::Grouped && m_store.m_walSync;
    if (durability == Durability::Deferred || m_grouped)
        m_deferred = m_store.exec(QStringLiteral("PRAGMA synchronous=NORMAL"));
    if (m_grouped && !m_deferred)
        m_grouped = false; // still FULL: synced by COMMIT itself
    // BEGIN IMMEDIATE takes the write lock now, so two registries sharing the
    // file never allocate the same prefix (§18.7). The busy timeout waits.
    if (!m_store.exec(QStringLiteral("BEGIN IMMEDIATE"))) {
        m_done = true; // nothing to roll back
        restoreSync();
        // Each statement would otherwise commit alone, and a caller that goes
        // on before commit() would leave half of its change written.
        m_refusing = true;
        ++m_store.m_refusing;
        return;
    }
    m_store.m_inTransaction = true;
}

RegistryStore::Transaction::~Transaction()
{
    if (m_refusing) --m_store.m_refusing;
    if (!m_done) {
        m_store.m_inTransaction = false;
        m_store.m_broken = false;
        // Quietly: after some errors (a full disk) SQLite has rolled back already.
        QSqlQuery(m_store.database()).exec(QStringLiteral("ROLLBACK"));
        m_store.invalidateFreePrefixes(); // it followed the rolled-back writes
        restoreSync();
    }
}

void RegistryStore::Transaction::restoreSync()
{
    if (!m_deferred)
        return;
    m_deferred = false;
    if (!m_store.exec(QStringLiteral("PRAGMA synchronous=FULL")))
        qCWarning(lcStore) << "PRAGMA synchronous=FULL failed:" << m_store.lastError();
}

bool RegistryStore::Transaction::commit()
{
    if (m_done)
        return false;
    if (m_store.m_broken) {
        qCWarning(lcStore).noquote() << "a statement failed inside the transaction (" + m_store.lastError()
                                            + "): rolled back";
        return false; // destructor rolls back
    }
    if (!m_store.exec(QStringLiteral("COMMIT")))
        return false; // destructor rolls back
    m_done = true;
    m_store.m_inTransaction = false;
    restoreSync();
    if (m_grouped)
        m_store.m_walSync->committed();
    return true;
}

bool RegistryStore::Transaction::isActive() const
{
    return !m_done && !m_store.m_broken;
}

// ---------------------------------------------------------------- Savepoint

RegistryStore::Savepoint::Savepoint(RegistryStore &store) : m_store(store)
{
    if (!m_store.exec(QStringLiteral("SAVEPOINT step")))
        m_done = true; // nothing to roll back
}

RegistryStore::Savepoint::~Savepoint()
{
    if (!m_done) {
        // Broken: the whole transaction goes (SQLite may have rolled it back already).
        if (!m_store.m_broken) {
            m_store.exec(QStringLiteral("ROLLBACK TO step"));
            m_store.exec(QStringLiteral("RELEASE step"));
        }
        m_store.invalidateFreePrefixes(); // it followed the rolled-back writes
    }
}

bool RegistryStore::Savepoint::release()
{
    if (m_done || m_store.m_broken)
        return false; // destructor rolls back
    if (!m_store.exec(QStringLiteral("RELEASE step")))
        return false; // destructor rolls back
    m_done = true;
    return true;
}

// ---------------------------------------------------------------- store

RegistryStore::RegistryStore()
    : m_connection(QStringLiteral("re6st-registry-store-%1").arg(s_connectionCounter.fetchAndAddRelaxed(1)))
{
}

RegistryStore::~RegistryStore()
{
    close();
}

void RegistryStore::close()
{
    m_walSync.reset(); // waits for a sync under way
    m_freeCache.reset();
    m_statements.clear(); // before the connection goes away
    if (!QSqlDatabase::contains(m_connection))
        return;
    {
        QSqlDatabase db = QSqlDatabase::database(m_connection, false);
        db.close();
    }
    QSqlDatabase::removeDatabase(m_connection);
}

void RegistryStore::whenDurable(std::function<void(const QString &error)> done)
{
    if (!m_walSync)
        return done(QString());
    m_walSync->whenDurable(std::move(done));
}

bool RegistryStore::isDurable() const
{
    return !m_walSync || m_walSync->isDurable();
}

int RegistryStore::walSyncCount() const
{
    return m_walSync ? m_walSync->syncCount() : 0;
}

void RegistryStore::setWalSyncHook(std::function<void()> hook)
{
    if (m_walSync)
        m_walSync->setSyncHook(std::move(hook));
}

QSqlDatabase RegistryStore::database() const
{
    return QSqlDatabase::database(m_connection, false);
}

bool RegistryStore::isOpen() const
{
    return QSqlDatabase::contains(m_connection) && database().isOpen();
}

QString RegistryStore::lastError() const
{
    return m_lastError;
}

bool RegistryStore::exec(const QString &sql) const
{
    const Statement s = statement(sql);
    return run(s.query);
}

RegistryStore::Statement::~Statement()
{
    query.finish(); // sqlite3_reset: no read left open, the statement stays prepared
}

RegistryStore::Statement RegistryStore::statement(const QString &sql) const
{
    // Prepared once per connection (close() drops them): re-parsing every
    // statement on every call was ~10 % of a requestCertificate.
    // A statement still held by a caller up the stack gets a fresh twin.
    const auto it = m_statements.constFind(sql);
    if (it != m_statements.constEnd() && it->use_count() == 1)
        return Statement(*it);
    const bool cache = it == m_statements.constEnd();
    auto q = std::make_shared<QSqlQuery>(database());
    q->setForwardOnly(true);
    // A failed prepare is not kept: run() reports it, the next call retries.
    if (q->prepare(sql) && cache)
        m_statements.insert(sql, q);
    return Statement(std::move(q));
}

bool RegistryStore::run(QSqlQuery &query) const
{
    if (isRefusing()) {
        // Not run, so its bound values were not consumed: a cached statement
        // would take the next caller's after them. Prepared again next time.
        m_statements.remove(query.lastQuery());
        return false; // the first failure was logged and recorded
    }
    return query.exec() || failed(query);
}

bool RegistryStore::runQuery(QSqlQuery &query, const QString &sql) const
{
    if (isRefusing()) return false;
    return query.exec(sql) || failed(query);
}

bool RegistryStore::failed(const QSqlQuery &query) const
{
    // Inside a transaction, nothing more may run until it ends: SQLite rolls
    // the whole transaction back on some errors (a full disk), after which
    // each statement would commit alone.
    if (m_inTransaction) m_broken = true;
    const QSqlError error = query.lastError();
    // SQLite's own words ("database or disk is full"), without QtSql's "Unable to fetch row".
    m_lastError = error.databaseText().isEmpty() ? error.text() : error.databaseText();
    qCWarning(lcStore) << "SQL failed:" << query.lastQuery() << m_lastError;
    return false;
}

QString RegistryStore::tableSql(const QString &table)
{
    for (const TableSchema &t : kTables) {
        if (table == QLatin1String(t.name))
            return QString::fromLatin1(t.sql);
    }
    return {};
}

bool RegistryStore::open(const QString &path, QString *error)
{
    close();
    // Every QSqlDatabase/QSqlQuery handle lives inside setup(), so close()
    // can remove the connection cleanly on failure.
    const QString failure = setup(path);
    if (!failure.isEmpty()) {
        close();
        m_lastError = failure;
        if (error)
            *error = failure;
        return false;
    }
    m_lastError.clear();
    return true;
}

QString RegistryStore::setup(const QString &path)
{
    auto fail = [](const QString &message) { return message; };

    if (path != QLatin1String(":memory:")) {
        const QFileInfo info(path);
        if (!QDir().mkpath(info.absolutePath()))
            return fail(QStringLiteral("Cannot create directory %1 for the registry database; "
                                       "check the --db path and permissions")
                            .arg(info.absolutePath()));
    }

    {
        QSqlDatabase db = QSqlDatabase::addDatabase(QStringLiteral("QSQLITE"), m_connection);
        db.setDatabaseName(path);
        db.setConnectOptions(QStringLiteral("QSQLITE_BUSY_TIMEOUT=30000"));
        if (!db.open())
            return fail(QStringLiteral("Cannot open registry database %1: %2; check the --db path "
                                       "and permissions")
                            .arg(path, db.lastError().text()));
    }

    QSqlDatabase db = database();
    {
        // WAL lets readers (another registry process, sqlite3 CLI) coexist
        // with the writer. ":memory:" stays in "memory" mode, which is fine.
        QSqlQuery q(db);
        if (!q.exec(QStringLiteral("PRAGMA journal_mode=WAL")))
            return fail(QStringLiteral("Cannot use registry database %1: %2; is it a SQLite file?")
                            .arg(path, q.lastError().text()));
        // Durability::Grouped needs the WAL ("memory" for ":memory:"; a file
        // system without shared memory may refuse WAL too: then COMMIT syncs).
        if (q.next() && q.value(0).toString().compare(QLatin1String("wal"), Qt::CaseInsensitive) == 0)
            m_walSync = std::make_unique<WalSync>(QFileInfo(path).absoluteFilePath() + QStringLiteral("-wal"));
        // Durability first (registry-protocol.md §18.7): synchronous=FULL
        // fdatasyncs the WAL at every COMMIT, so a certificate handed to a
        // client survives even a power loss and its prefix is never issued
        // twice (synchronous=NORMAL alone would only protect against process
        // crashes). Only Durability::Deferred transactions, whose loss harms
        // nobody, skip the fdatasync; the next synced COMMIT covers them.
        if (!q.exec(QStringLiteral("PRAGMA synchronous=FULL")))
            qCWarning(lcStore) << "PRAGMA synchronous=FULL failed:" << q.lastError().text();
    }

    for (const TableSchema &t : kTables) {
        QSqlQuery q(db);
        q.prepare(QStringLiteral("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = ?"));
        q.addBindValue(QString::fromLatin1(t.name));
        if (!q.exec())
            return fail(QStringLiteral("Cannot read the schema of %1: %2; is it a SQLite file?")
                            .arg(path, q.lastError().text()));
        if (q.next()) {
            const QString stored = q.value(0).toString();
            if (stored != QLatin1String(t.sql))
                return fail(QStringLiteral("Table '%1' of %2 has an unexpected schema (%3); this is not "
                                           "a re6st registry database, or it comes from an incompatible "
                                           "version: use another --db file")
                                .arg(QLatin1String(t.name), path, stored));
        } else {
            QSqlQuery c(db);
            if (!c.exec(QString::fromLatin1(t.sql)))
                return fail(QStringLiteral("Cannot create table '%1' in %2: %3; check permissions")
                                .arg(QLatin1String(t.name), path, c.lastError().text()));
        }
        if (qstrcmp(t.name, "cert") == 0) {
            // §7.3: the allocation tree starts as one free root row.
            QSqlQuery c(db);
            if (!c.exec(QStringLiteral("INSERT INTO cert SELECT '', NULL, NULL "
                                       "WHERE NOT EXISTS (SELECT 1 FROM cert)")))
                return fail(QStringLiteral("Cannot initialise table 'cert' in %1: %2; check permissions")
                                .arg(path, c.lastError().text()));
        }
    }
    return {};
}

// ---------------------------------------------------------------- config

QVariant RegistryStore::config(const QString &name) const
{
    const Statement s = statement(QStringLiteral("SELECT value FROM config WHERE name = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(name);
    if (!run(q) || !q.next())
        return {};
    if (q.isNull(0))
        return QVariant(QMetaType::fromType<QString>());
    QVariant v = q.value(0);
    if (v.typeId() == QMetaType::QByteArray && v.toByteArray().isNull())
        v = QByteArray("", 0); // empty BLOB stays distinguishable from "absent"
    return v;
}

QByteArray RegistryStore::configBlob(const QString &name) const
{
    const Statement s = statement(QStringLiteral("SELECT value FROM config WHERE name = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(name);
    if (!run(q) || !q.next())
        return {};
    return bytesAt(q, 0);
}

bool RegistryStore::hasConfig(const QString &name) const
{
    const Statement s = statement(QStringLiteral("SELECT 1 FROM config WHERE name = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(name);
    return run(q) && q.next();
}

QString RegistryStore::configType(const QString &name) const
{
    const Statement s = statement(QStringLiteral("SELECT typeof(value) FROM config WHERE name = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(name);
    if (!run(q) || !q.next())
        return {};
    return q.value(0).toString();
}

void RegistryStore::setConfig(const QString &name, const QVariant &value)
{
    QVariant bound = value;
    if (value.typeId() == QMetaType::QByteArray && value.toByteArray().isNull())
        bound = QByteArray("", 0); // QByteArray always means BLOB, possibly empty
    const Statement s = statement(QStringLiteral("INSERT OR REPLACE INTO config (name, value) VALUES (?, ?)"));
    QSqlQuery &q = s.query;
    q.addBindValue(name);
    q.addBindValue(bound);
    run(q);
}

void RegistryStore::removeConfig(const QString &name)
{
    const Statement s = statement(QStringLiteral("DELETE FROM config WHERE name = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(name);
    run(q);
}

// ---------------------------------------------------------------- tokens

RegistryStore::Change RegistryStore::insertToken(const Token &token)
{
    const Statement s = statement(QStringLiteral("INSERT OR IGNORE INTO token (token, email, prefix_len, date) VALUES (?, ?, ?, ?)"));
    QSqlQuery &q = s.query;
    q.addBindValue(token.token);
    q.addBindValue(token.email.isNull() ? QLatin1String("") : token.email);
    q.addBindValue(token.prefixLen);
    q.addBindValue(token.date);
    if (!run(q)) return Change::Failed;
    return q.numRowsAffected() == 1 ? Change::Made : Change::None;
}

std::optional<RegistryStore::Token> RegistryStore::token(const QString &token) const
{
    const Statement s = statement(QStringLiteral("SELECT token, email, prefix_len, date FROM token WHERE token = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(token);
    if (!run(q) || !q.next())
        return std::nullopt;
    return Token{stringAt(q, 0), stringAt(q, 1), q.value(2).toInt(), q.value(3).toLongLong()};
}

QList<RegistryStore::Token> RegistryStore::tokens() const
{
    QList<Token> out;
    const Statement s = statement(QStringLiteral("SELECT token, email, prefix_len, date FROM token ORDER BY date, token"));
    QSqlQuery &q = s.query;
    if (!run(q))
        return out;
    while (q.next())
        out.append(Token{stringAt(q, 0), stringAt(q, 1), q.value(2).toInt(), q.value(3).toLongLong()});
    return out;
}

RegistryStore::Change RegistryStore::deleteToken(const QString &token)
{
    const Statement s = statement(QStringLiteral("DELETE FROM token WHERE token = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(token);
    if (!run(q)) return Change::Failed;
    return q.numRowsAffected() > 0 ? Change::Made : Change::None;
}

int RegistryStore::deleteTokensUpTo(qint64 date)
{
    const Statement s = statement(QStringLiteral("DELETE FROM token WHERE date <= ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(date);
    return run(q) ? q.numRowsAffected() : 0;
}

std::optional<qint64> RegistryStore::earliestTokenDate() const
{
    const Statement s = statement(QStringLiteral("SELECT MIN(date) FROM token"));
    QSqlQuery &q = s.query;
    if (!run(q) || !q.next() || q.isNull(0))
        return std::nullopt;
    return q.value(0).toLongLong();
}

std::optional<RegistryStore::TokenHistory> RegistryStore::tokensOf(const QString &email, qint64 since) const
{
    const Statement s = statement(QStringLiteral("SELECT COUNT(*), MAX(date) FROM token WHERE email = ? AND date > ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(email);
    q.addBindValue(since);
    if (!run(q) || !q.next()) return std::nullopt;
    return TokenHistory{q.value(0).toInt(), q.isNull(1) ? 0 : q.value(1).toLongLong()};
}

int RegistryStore::tokenCount() const
{
    const Statement s = statement(QStringLiteral("SELECT COUNT(*) FROM token"));
    QSqlQuery &q = s.query;
    if (!run(q) || !q.next())
        return 0;
    return q.value(0).toInt();
}

// ---------------------------------------------------------------- cert rows

namespace {
RegistryStore::CertRow certRowAt(const QSqlQuery &q)
{
    RegistryStore::CertRow r;
    r.prefix = bytesAt(q, 0);
    r.email = stringAt(q, 1);
    r.cert = bytesAt(q, 2);
    return r;
}
} // namespace

std::optional<RegistryStore::CertRow> RegistryStore::row(const QByteArray &prefix) const
{
    const Statement s = statement(QStringLiteral("SELECT prefix, email, cert FROM cert WHERE prefix = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(text(prefix.isNull() ? QByteArray("", 0) : prefix));
    if (!run(q) || !q.next())
        return std::nullopt;
    return certRowAt(q);
}

QList<RegistryStore::CertRow> RegistryStore::selectRows(const QString &where) const
{
    QList<CertRow> out;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    if (!runQuery(q, QStringLiteral("SELECT prefix, email, cert FROM cert %1 ORDER BY prefix").arg(where))) {
        return out;
    }
    while (q.next())
        out.append(certRowAt(q));
    return out;
}

QList<RegistryStore::CertRow> RegistryStore::rows() const
{
    return selectRows(QString());
}

QList<RegistryStore::CertRow> RegistryStore::allocatedRows() const
{
    return selectRows(QStringLiteral("WHERE cert IS NOT NULL AND cert != 'reserved'"));
}

bool RegistryStore::forEachAllocated(
    const std::function<void(const QByteArray &prefix, const QByteArray &pem)> &visit) const
{
    QSqlQuery q(database());
    q.setForwardOnly(true);
    if (!runQuery(q, QStringLiteral("SELECT prefix, cert FROM cert WHERE cert IS NOT NULL AND cert != 'reserved'"))) {
        return false;
    }
    while (q.next())
        visit(bytesAt(q, 0), bytesAt(q, 1));
    return true;
}

QList<QByteArray> RegistryStore::heldPrefixes() const
{
    QList<QByteArray> out;
    QSqlQuery q(database());
    q.setForwardOnly(true);
    if (!runQuery(q, QStringLiteral("SELECT prefix FROM cert WHERE cert IS NOT NULL ORDER BY prefix"))) {
        return out;
    }
    while (q.next())
        out.append(bytesAt(q, 0));
    return out;
}

qint64 RegistryStore::dataVersion() const
{
    const Statement s = statement(QStringLiteral("PRAGMA data_version"));
    QSqlQuery &q = s.query;
    if (!run(q) || !q.next()) return -1;
    return q.value(0).toLongLong();
}

const std::set<QByteArray> &RegistryStore::freePrefixes() const
{
    const qint64 version = dataVersion();
    if (m_freeCache && (version < 0 || version != m_freeCacheVersion)) m_freeCache.reset();
    if (!m_freeCache) {
        m_freeCache.emplace();
        m_freeCacheVersion = version;
        QSqlQuery q(database());
        q.setForwardOnly(true);
        if (!runQuery(q, QStringLiteral("SELECT prefix FROM cert WHERE cert IS NULL"))) {
            static const std::set<QByteArray> empty;
            m_freeCache.reset();
            return empty;
        }
        while (q.next()) {
            QByteArray prefix = bytesAt(q, 0);
            if (prefix.isNull()) prefix = QByteArray("", 0);
            m_freeCache->insert(prefix);
        }
    }
    return *m_freeCache;
}

void RegistryStore::cacheFree(const QByteArray &prefix, bool isFree)
{
    if (!m_freeCache) return;
    const QByteArray key = prefix.isNull() ? QByteArray("", 0) : prefix;
    if (isFree)
        m_freeCache->insert(key);
    else
        m_freeCache->erase(key);
}

QList<RegistryStore::CertRow> RegistryStore::freeRows() const
{
    return selectRows(QStringLiteral("WHERE cert IS NULL"));
}

std::optional<QByteArray> RegistryStore::prefixForEmail(const QString &email) const
{
    const Statement s = statement(QStringLiteral("SELECT prefix FROM cert WHERE email = ? AND cert IS NOT NULL "
                             "AND cert != 'reserved' ORDER BY prefix LIMIT 1"));
    QSqlQuery &q = s.query;
    q.addBindValue(email);
    if (!run(q) || !q.next())
        return std::nullopt;
    return bytesAt(q, 0);
}

void RegistryStore::setRow(const CertRow &row)
{
    const Statement s = statement(QStringLiteral("INSERT OR REPLACE INTO cert (prefix, email, cert) VALUES (?, ?, ?)"));
    QSqlQuery &q = s.query;
    q.addBindValue(text(row.prefix.isNull() ? QByteArray("", 0) : row.prefix));
    q.addBindValue(textOrNull(row.email));
    q.addBindValue(text(row.cert)); // TEXT, never BLOB (§12)
    if (run(q))
        cacheFree(row.prefix, row.cert.isNull());
    else
        invalidateFreePrefixes();
}

void RegistryStore::renameRow(const QByteArray &from, const QByteArray &to)
{
    const Statement s = statement(QStringLiteral("UPDATE cert SET prefix = ? WHERE prefix = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(text(to.isNull() ? QByteArray("", 0) : to));
    q.addBindValue(text(from.isNull() ? QByteArray("", 0) : from));
    const QByteArray key = from.isNull() ? QByteArray("", 0) : from;
    const bool wasFree = m_freeCache && m_freeCache->count(key);
    if (!run(q)) return invalidateFreePrefixes();
    cacheFree(to, false);
    if (wasFree) {
        cacheFree(from, false);
        cacheFree(to, true);
    }
}

void RegistryStore::deleteRow(const QByteArray &prefix)
{
    const Statement s = statement(QStringLiteral("DELETE FROM cert WHERE prefix = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(text(prefix.isNull() ? QByteArray("", 0) : prefix));
    if (run(q))
        cacheFree(prefix, false);
    else
        invalidateFreePrefixes();
}

void RegistryStore::freeRow(const QByteArray &prefix)
{
    const Statement s = statement(QStringLiteral("UPDATE cert SET email = NULL, cert = NULL WHERE prefix = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(text(prefix.isNull() ? QByteArray("", 0) : prefix));
    if (!run(q)) return invalidateFreePrefixes();
    if (q.numRowsAffected() > 0) cacheFree(prefix, true);
}

// ---------------------------------------------------------------- crl

RegistryStore::Change RegistryStore::insertCrl(qint64 serial, qint64 date)
{
    const Statement s = statement(QStringLiteral("INSERT OR IGNORE INTO crl (serial, date) VALUES (?, ?)"));
    QSqlQuery &q = s.query;
    q.addBindValue(serial);
    q.addBindValue(date);
    if (!run(q)) return Change::Failed;
    return q.numRowsAffected() == 1 ? Change::Made : Change::None;
}

QList<qint64> RegistryStore::crlSerials() const
{
    QList<qint64> out;
    const Statement s = statement(QStringLiteral("SELECT serial FROM crl ORDER BY serial"));
    QSqlQuery &q = s.query;
    if (!run(q))
        return out;
    while (q.next())
        out.append(q.value(0).toLongLong());
    return out;
}

QList<std::pair<qint64, qint64>> RegistryStore::crlRows() const
{
    QList<std::pair<qint64, qint64>> out;
    const Statement s = statement(QStringLiteral("SELECT serial, date FROM crl ORDER BY serial"));
    QSqlQuery &q = s.query;
    if (!run(q))
        return out;
    while (q.next())
        out.append({q.value(0).toLongLong(), q.value(1).toLongLong()});
    return out;
}

bool RegistryStore::isRevoked(qint64 serial) const
{
    const Statement s = statement(QStringLiteral("SELECT 1 FROM crl WHERE serial = ?"));
    QSqlQuery &q = s.query;
    q.addBindValue(serial);
    return run(q) && q.next();
}

} // namespace re6st::registry
