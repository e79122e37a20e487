// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "daemon/NodeController.h"

#include <QObject>
#include <QPointer>
#include <QString>
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
// directory inside the config directory, then installed with renames, so that a
// failure leaves nothing behind and an existing certificate is never half-replaced.
class NodeEnrollment final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(NodeEnrollment)
public:
    using Done = NodeController::Done;
    using Progress = NodeController::Progress;

    explicit NodeEnrollment(const QString &configDir, QObject *parent = nullptr);
    ~NodeEnrollment() override;

    bool isBusy() const { return m_busy; }
    bool isEnrolled() const; // cert.crt, cert.key and ca.crt in the config directory
    void setTimeoutMs(int ms) { m_timeoutMs = ms; }

    // Values: fingerprint "sha256:HEX", details a{sv} (network, subject, not_after, registry).
    void fetchCa(const QString &registry, Done done);
    void requestToken(const QString &registry, const QString &fingerprint, const QString &email, Progress progress,
                      Done done);
    // Values: result a{sv} (prefix, subnet, address, not_after, renew_after, directory).
    void enroll(const QString &registry, const QString &fingerprint, const QString &token, const QVariantMap &options,
                Progress progress, Done done);

    static QString fingerprintOf(const crypto::Certificate &ca); // "sha256:<hex>"

private:
    // Runs `then` with the registry's CA once it matches `fingerprint`.
    void fetchVerifiedCa(const QString &registry, const QString &fingerprint,
                         std::function<void(const crypto::Certificate &)> then, Done done);
    bool install(const QString &staging, bool replace, QString *error);

    QString m_configDir;
    int m_timeoutMs = 60000;
    bool m_busy = false;
};

} // namespace re6st::daemon
