// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QByteArray>
#include <QHash>
#include <QList>
#include <QSqlDatabase>
#include <QString>
#include <QVariant>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <utility>

class QSqlQuery;

namespace re6st::registry {

class WalSync;

// The registry database (registry-protocol.md §12): byte-identical schema so an
// upstream registry.db opens here and the reverse. SQLite through QtSql, WAL.
// Every multi-step change runs inside a Transaction (§18.7): a crash never
// issues one prefix twice or loses a token.
class RegistryStore final
{
public:
    struct Token
    {
        QString token;
        QString email;
        int prefixLen = 0;
        qint64 date = 0;
    };
    struct CertRow
    {
        QByteArray prefix;  // bit string relative to the network
        QString email;      // null for anonymous / free rows
        QByteArray cert;    // PEM, "reserved", or null (free)
        bool isFree() const { return cert.isNull(); }
        bool isReserved() const { return cert == "reserved"; }
        bool isAllocated() const { return !cert.isNull() && !isReserved(); }
    };

    // How a Transaction's COMMIT reaches the disk.
    enum class Durability {
        Synced,   // fdatasync before COMMIT returns (synchronous=FULL, the default)
        Deferred, // written to the WAL, synced by the next sync (synchronous=NORMAL):
                  // only for writes whose loss in a power cut harms nobody,
                  // i.e. nothing was answered on them
        Grouped,  // written to the WAL, then synced by a thread of its own
                  // (WalSync) while the event loop goes on: whenDurable() says
                  // when. Synced when the database has no WAL (":memory:")
    };

    // RAII: BEGIN IMMEDIATE on construction, ROLLBACK unless commit() succeeded.
    // All or nothing, whatever the caller checks: once a statement fails
    // inside the transaction (a full disk, a read-only file, an I/O error),
    // or BEGIN itself fails, every statement until the Transaction ends fails
    // without running and commit() returns false. (SQLite rolls the whole
    // transaction back on some errors, a full disk among them: each statement
    // after it would otherwise be committed alone.)
    class Transaction final
    {
    public:
        explicit Transaction(RegistryStore &store, Durability durability = Durability::Synced);
        ~Transaction();
        // False if BEGIN, a statement since or COMMIT failed (then rolled back).
        bool commit();
        // BEGIN succeeded, no statement failed since, not yet committed.
        bool isActive() const;
        Transaction(const Transaction &) = delete;
        Transaction &operator=(const Transaction &) = delete;

    private:
        void restoreSync();
        RegistryStore &m_store;
        bool m_done = false;
        bool m_refusing = false; // BEGIN failed: m_store refuses statements
        bool m_deferred = false;
        bool m_grouped = false;
    };

    // RAII, inside a Transaction: SAVEPOINT on construction; ROLLBACK TO it
    // (undoing only this step) unless release() succeeded. One step of a batch
    // that fails leaves the other steps of the same transaction in place; a
    // statement that fails fails the whole transaction (see Transaction).
    class Savepoint final
    {
    public:
        explicit Savepoint(RegistryStore &store);
        ~Savepoint();
        // False if SAVEPOINT, a statement since or RELEASE failed (then rolled back).
        bool release();
        Savepoint(const Savepoint &) = delete;
        Savepoint &operator=(const Savepoint &) = delete;

    private:
        RegistryStore &m_store;
        bool m_done = false;
    };

    // What a write that may find nothing to do did.
    enum class Change {
        Made,   // the row was inserted / deleted
        None,   // nothing to do: the row already exists / did not exist
        Failed, // the statement failed (lastError() says why)
    };

    RegistryStore();
    ~RegistryStore();
    RegistryStore(const RegistryStore &) = delete;
    RegistryStore &operator=(const RegistryStore &) = delete;

    // Creates the parent directory and missing tables (§12 order), inserts the
    // root row ('', NULL, NULL); refuses a table whose stored SQL differs.
    bool open(const QString &path, QString *error);
    QSqlDatabase database() const;
    bool isOpen() const;
    void close();
    // Why the last statement that failed failed, as SQLite says it (e.g.
    // "database or disk is full"), for logs and error answers.
    QString lastError() const;

    // Runs `done` once every COMMIT made so far is on disk: at once unless a
    // Durability::Grouped commit is still being synced. error: empty, or why
    // those commits may not be on disk (then nothing may be answered on them).
    void whenDurable(std::function<void(const QString &error)> done);
    bool isDurable() const;
    int walSyncCount() const; // background fdatasyncs so far (0 without a WAL)
    // Tests: runs on the sync thread before each background fdatasync.
    void setWalSyncHook(std::function<void()> hook);
    // The exact §12 CREATE TABLE text of `table` (config, token, cert, crl).
    static QString tableSql(const QString &table);

    // config table (§12): prefix, version, last_config, serial, babel_hmac0/1/2, valid_until.
    QVariant config(const QString &name) const;      // invalid QVariant if absent
    QByteArray configBlob(const QString &name) const; // BLOB or TEXT read as bytes; null if absent
    bool hasConfig(const QString &name) const;
    void setConfig(const QString &name, const QVariant &value); // QByteArray -> BLOB
    void removeConfig(const QString &name);
    QString configType(const QString &name) const; // SQLite typeof(): "blob", "text", ...

    // token table (§7.1)
    Change insertToken(const Token &token); // None if it already exists
    std::optional<Token> token(const QString &token) const;
    Change deleteToken(const QString &token); // None if there was no such token
    int deleteTokensUpTo(qint64 date);     // date <= `date`
    std::optional<qint64> earliestTokenDate() const;
    int tokenCount() const;
    QList<Token> tokens() const;           // ordered by date, token
    struct TokenHistory
    {
        int count = 0;      // tokens of that email created after `since`
        qint64 latest = 0;  // the latest one's date (0 if none)
    };
    std::optional<TokenHistory> tokensOf(const QString &email, qint64 since) const; // nullopt: not read

    // cert table (§7.3)
    std::optional<CertRow> row(const QByteArray &prefix) const;
    QList<CertRow> rows() const;            // all rows, ordered by prefix
    QList<CertRow> allocatedRows() const;   // rows with a PEM certificate
    // Streams the rows with a PEM certificate (forward-only cursor, one row in
    // memory at a time; nothing is kept). False on an SQL error.
    bool forEachAllocated(const std::function<void(const QByteArray &prefix, const QByteArray &pem)> &visit) const;
    QList<CertRow> freeRows() const;        // cert IS NULL, ordered by prefix
    QList<QByteArray> heldPrefixes() const; // prefixes of rows holding a PEM or 'reserved' (no PEM loaded)
    // Prefixes of the free rows (cert IS NULL), from an in-memory cache: the
    // cert table holds the PEMs inline, so an SQL scan for free rows reads
    // the whole table (14 MB with 10,000 certificates) on every allocation.
    // Kept in step by setRow/renameRow/deleteRow/freeRow, dropped on
    // ROLLBACK, and rebuilt (one scan) when another connection committed
    // (PRAGMA data_version), so a DB shared with another registry stays
    // correct. Callers still re-check a chosen row by primary key (row()).
    const std::set<QByteArray> &freePrefixes() const;
    void invalidateFreePrefixes() const { m_freeCache.reset(); }
    std::optional<QByteArray> prefixForEmail(const QString &email) const; // first cert row
    void setRow(const CertRow &row);        // insert or replace
    void renameRow(const QByteArray &from, const QByteArray &to);
    void deleteRow(const QByteArray &prefix);
    void freeRow(const QByteArray &prefix); // email = NULL, cert = NULL

    // crl table (§8.4)
    Change insertCrl(qint64 serial, qint64 date); // None if already present
    QList<qint64> crlSerials() const;           // ascending
    bool isRevoked(qint64 serial) const;
    QList<std::pair<qint64, qint64>> crlRows() const; // (serial, date), ascending

private:
    // A cached prepared statement for one use: bind, run(), read; the
    // destructor resets it (QSqlQuery::finish) for the next user.
    struct Statement final
    {
        explicit Statement(std::shared_ptr<QSqlQuery> q) : query(*q), m_keep(std::move(q)) {}
        ~Statement();
        Q_DISABLE_COPY_MOVE(Statement)
        QSqlQuery &query;

    private:
        std::shared_ptr<QSqlQuery> m_keep;
    };
    Statement statement(const QString &sql) const;

    QString setup(const QString &path); // error text, empty on success
    bool exec(const QString &sql) const;
    bool run(QSqlQuery &query) const;     // false if refused or failed (then failed() was called)
    bool runQuery(QSqlQuery &query, const QString &sql) const; // the same for an unprepared statement
    bool failed(const QSqlQuery &query) const; // records and logs the failure; false
    bool isRefusing() const { return m_refusing > 0 || m_broken; }
    QList<CertRow> selectRows(const QString &where) const;

    qint64 dataVersion() const;
    void cacheFree(const QByteArray &prefix, bool isFree);

    QString m_connection;
    std::unique_ptr<WalSync> m_walSync; // file databases in WAL mode only
    mutable QString m_lastError;
    int m_refusing = 0;           // Transactions whose BEGIN failed, still alive
    bool m_inTransaction = false; // a Transaction's BEGIN succeeded, not ended yet
    mutable bool m_broken = false; // a statement failed inside it: nothing more runs
    mutable std::optional<std::set<QByteArray>> m_freeCache;
    mutable qint64 m_freeCacheVersion = -1;
    mutable QHash<QString, std::shared_ptr<QSqlQuery>> m_statements; // statement()
};

} // namespace re6st::registry
