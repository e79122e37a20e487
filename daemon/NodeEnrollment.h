// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "daemon/NodeController.h"

#include <QList>
#include <QObject>
#include <QPointer>
#include <QString>
#include <QStringList>
#include <memory>

namespace re6st {
class Enrollment;
namespace crypto {
class Certificate;
}
} // namespace re6st

namespace re6st::daemon {

// org.re6st.Enrollment1 (dbus/org.re6st.Enrollment1.xml) done by the daemon: the
// re6st-conf flow (core/Enrollment, registry-protocol.md §14.2) run in a staging
// directory (.enroll-XXXXXX) inside the config directory, then installed all or nothing
// (see install()). A failed install keeps the staging directory, since it holds the key
// and certificate the registry just issued; such directories are reported at start
// (never deleted: they may be the only copy of an issued key).
class NodeEnrollment final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeEnrollment)
public:
    using Done = NodeController::Done;
    using Progress = NodeController::Progress;

    // FetchCa is open to every local user: at most this many run at once (the others get
    // Busy), each with at most kFetchTimeoutMs.
    static constexpr int kMaxFetches = 4;
    static constexpr int kFetchTimeoutMs = 15000;
    // FetchCa's subject: the CA's commonName on one line, at most this many characters
    // (RFC 5280's ub-common-name), with no control or format character (audit F5).
    static constexpr int kMaxSubjectChars = 64;

    explicit NodeEnrollment(const QString &configDir, QObject *parent = nullptr);
    ~NodeEnrollment() override;

    // The files Enroll writes and isEnrolled() checks: the running daemon's --ca, --cert
    // and --key; an empty one means its usual name (ca.crt, cert.crt, cert.key) in the
    // config directory.
    void setFiles(const QString &ca, const QString &cert, const QString &key);

    bool isBusy() const { return m_busy; }
    bool isEnrolled() const; // the CA, certificate and key files all exist
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }
    // .enroll-* directories left by a crash or a failed install.
    QStringList staleStagingDirs() const;

    // Values: fingerprint "sha256:HEX", details a{sv} (network, subject, not_after, registry).
    void fetchCa(const QString &registry, Done done);
    void requestToken(const QString &registry, const QString &fingerprint, const QString &email, Progress progress,
                      Done done);
    // Values: result a{sv} (prefix, subnet, address, not_after, renew_after, directory).
    void enroll(const QString &registry, const QString &fingerprint, const QString &token, const QVariantMap &options,
                Progress progress, Done done);

    static QString fingerprintOf(const crypto::Certificate &ca); // "sha256:<hex>"

    // The checks of requestToken() and enroll() that need neither the registry nor the
    // files (URL, fingerprint, email, options' names and types, location, token versus
    // anonymous): the InvalidArgument message, empty when fine. DBusService runs them
    // before the polkit prompt.
    static QString requestTokenArgumentError(const QString &registry, const QString &fingerprint,
                                             const QString &email);
    static QString enrollArgumentError(const QString &registry, const QString &fingerprint, const QString &token,
                                       const QVariantMap &options);

private:
    struct Target
    {
        QString staged; // its name in the staging directory (written by core/Enrollment)
        QString path;   // where it is installed
    };

    // Runs `then` with the registry's CA once it matches `fingerprint`.
    void fetchVerifiedCa(const QString &registry, const QString &fingerprint,
                         std::function<void(const crypto::Certificate &)> then, Done done);
    struct Installed
    {
        bool configCreated = false; // re6stnet.conf was written by this enrollment
        QString configBackup;       // where the re6stnet.conf it replaced was kept, if any
    };
    QStringList existingTargets() const;
    QString configPath() const;
    // A target whose directory is missing or on another file system than the config
    // directory (where the staging directory is), and why; empty when all can be installed.
    QString uninstallableTarget() const;
    bool configNeedsReplacing(const QString &registry, const QString &location) const;
    QString makeBackupDir(QString *error) const;
    bool install(const QString &staging, bool replace, bool replaceConfig, QString backup, Installed *installed,
                 QString *error);

    QString m_configDir;
    QList<Target> m_targets; // in install order
    int m_timeoutMs = 60000;
    int m_fetches = 0; // FetchCa calls in flight
    bool m_busy = false;
};

} // namespace re6st::daemon
