// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QDBusConnection>
#include <QDBusPendingCallWatcher>
#include <QHash>
#include <QVariantMap>
#include <QWizard>

class Enrollment1Proxy;

namespace re6st::gui {

// "Join a network…" (issue 5 §2): registry URL → CA fingerprint confirmed → email (or
// anonymous) → token from the mail → progress while the daemon enrolls → result. Talks
// only to org.re6st.Enrollment1 (dbus/org.re6st.Enrollment1.xml); every call is
// asynchronous and allows polkit's interactive authentication. Never writes files.
class EnrollWizard final : public QWizard
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnrollWizard)
public:
    enum PageId { RegistryPageId, FingerprintPageId, EmailPageId, TokenPageId, ProgressPageId, ResultPageId };

    // RequestToken and Enroll: the daemon may wait for polkit's password dialog (300 s)
    // and then for two registry requests (60 s each); Enroll also generates a key. The
    // client must not give up first (audit M6).
    static constexpr int kLongCallTimeoutMs = 10 * 60 * 1000;

    explicit EnrollWizard(const QDBusConnection &bus, QWidget *parent = nullptr);
    ~EnrollWizard() override;

    // One asynchronous call to org.re6st.Enrollment1; the watcher is owned by `context`.
    QDBusPendingCallWatcher *call(const QString &method, const QVariantList &args, int timeoutMs, QObject *context);
    // The timeout the last call of `method` was given (-1: none yet); for tests.
    int lastTimeoutMs(const QString &method) const { return m_timeouts.value(method, -1); }
    // A failed call as a translated sentence saying what to do next.
    static QString errorText(const QString &errorName, const QString &daemonMessage);

    Enrollment1Proxy *proxy() const { return m_proxy; }

    // What the pages found out, in order.
    QString registry;     // as confirmed by FetchCa (normalized)
    QString fingerprint;  // "sha256:HEX"
    QVariantMap caDetails;
    QVariantMap result;   // Enroll()'s answer

private:
    QDBusConnection m_bus;
    Enrollment1Proxy *m_proxy;
    QHash<QString, int> m_timeouts;
};

} // namespace re6st::gui
