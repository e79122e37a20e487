// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "core/crypto/Certificate.h"
#include "core/crypto/RsaKey.h"
#include "core/crypto/SubjectEntry.h"

#include <QDir>
#include <QFile>
#include <QList>
#include <QObject>
#include <QPair>
#include <QPointer>
#include <QString>
#include <memory>
#include <optional>

class QThread;

namespace re6st {

class RegistryClient;

// The re6st-conf enrollment flow (registry-protocol.md §14.2), shared by the
// re6st-conf CLI, the daemon's D-Bus API and the GUI wizard. Asynchronous:
// start(), answer emailRequired()/tokenRequired() with provideEmail()/
// provideToken(), wait for finished(). Files are written in `directory`:
// ca.crt, cert.key (0600, atomic), cert.crt (never left half-written or
// empty), re6stnet.conf (only if absent).
class Enrollment final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(Enrollment)

public:
    enum class Mode {
        Full,       // the whole §14.2 sequence
        CaOnly,     // --ca-only: stop after writing ca.crt
        NetworkOnly // --is-needed: stop after step 4 (nothing written), Outcome::networkBits set
    };
    enum class Step { FetchingCa, RequestingToken, GeneratingKey, RequestingCertificate, Done };
    Q_ENUM(Step)

    struct Options
    {
        QString registry;    // URL as given (also written into re6stnet.conf)
        QString directory;   // empty: current directory
        QString fingerprint; // "ALG:HEX"; empty: none (a warning is emitted)
        QList<QPair<QString, QString>> req; // -r KEY VALUE, in order
        QString email;       // empty: emailRequired() is emitted when needed
        QString token;       // empty: a token is requested by email
        bool anonymous = false;
        QString location;    // "CC,CONT" (§11, checked by start()) or empty
        Mode mode = Mode::Full;
        int timeoutMs = 60000;
    };

    enum class Status { Success, Failed, UsageError };
    // Why it failed, for callers that map failures to error codes (the D-Bus API).
    enum class Failure { None, Usage, Unreachable, Fingerprint, Token, Other };
    struct Outcome
    {
        Status status = Status::Failed;
        Failure failure = Failure::None;
        int exitCode = 1;    // re6st-conf exit code (§14.2): 0, 1, or 2 for usage errors
        QString error;       // one line (usage errors without the "usage:" part)
        QString hint;        // optional extra line telling what to do next
        QByteArray networkBits;
        // Set on a completed enrollment:
        QString cn;          // e.g. "1/16"
        QString subnet;      // e.g. "2001:db8:42:1::/64"
        QString address;     // node address, e.g. "2001:db8:42:1::1"
        qint64 notAfter = 0; // Unix time
        qint64 renewAfter = 0; // notAfter - 30 days
        bool configCreated = false;
        // Failed after the registry issued it (cert.crt not writable, e.g. a full disk):
        // the PEM certificate, whose only copy this is. The hint names the key's file.
        QByteArray unsavedCertificate;
    };

    explicit Enrollment(const Options &options, QObject *parent = nullptr);
    ~Enrollment() override;

    const Options &options() const { return m_options; }
    const Outcome &outcome() const { return m_outcome; }
    bool isRunning() const { return m_running; }
    RegistryClient *client() const { return m_client; } // e.g. to set TLS options before start()

    // §14.2 helpers (exposed for tests).
    // Nullopt + usage message ("invalid fingerprint: ...") when malformed.
    struct Fingerprint { QByteArray algorithm; QByteArray digest; };
    static std::optional<Fingerprint> parseFingerprint(const QString &text, QString *error);
    // Step 17. Nullopt + *error if a value could change the file's meaning once
    // re6stnet splits it (§13): whitespace, control characters, quotes, '\\', '#'.
    static std::optional<QByteArray> sampleConfig(const QString &registry, const QString &location,
                                                  QString *error = nullptr);
    // Input checks done by start() before any traffic; an empty string when fine.
    static QString locationError(const QString &location); // §11 "CC,CONT"
    static QString emailError(const QString &email);       // mail::addressError (§6.2)
    static QString asctime(qint64 unixTime); // Python time.asctime(time.gmtime(t))

public Q_SLOTS:
    void start();
    void provideEmail(const QString &email);
    void provideToken(const QString &token);
    // Finishes with `reason` (default "Error: cancelled"); e.g. a closed prompt.
    void cancel(const QString &reason = QString());

Q_SIGNALS:
    void stepChanged(re6st::Enrollment::Step step);
    void message(const QString &line); // the informational lines re6st-conf prints on stdout
    void warning(const QString &line);
    void emailRequired();
    void tokenRequired();
    void finished(const re6st::Enrollment::Outcome &outcome);

private:
    QString path(const QString &name) const { return m_dir.filePath(name); }
    void onCa(const QByteArray &pem);
    void buildSubject();
    void obtainToken();
    void onTokenRequested();
    void prepareKey();
    void onKey(const crypto::RsaKey &key);
    void writeNewKey(const std::optional<crypto::RsaKey> &key);
    void requestCertificate();
    void onCertificate(const QByteArray &pem);
    void fail(const QString &error, const QString &hint = {}, int exitCode = 1, Failure failure = Failure::Other);
    void usageError(const QString &error);
    void succeed();
    void finish();
    void setStep(Step step);

    enum class Waiting { Nothing, Email, Token };

    Options m_options;
    Outcome m_outcome;
    QDir m_dir;
    RegistryClient *m_client = nullptr;
    bool m_running = false;
    bool m_done = false;
    bool m_caDeferred = false; // ca.crt replaced only once the certificate is saved (onCa)
    Waiting m_waiting = Waiting::Nothing;
    crypto::Certificate m_ca;
    crypto::RsaKey m_key;
    crypto::Subject m_subject; // CSR subject being built
    QString m_token;
    QString m_tokenHint;
    QPointer<QThread> m_keyThread;
    std::unique_ptr<QFile> m_certFile; // cert.crt opened before requesting (§14.2 step 11)
};

} // namespace re6st
