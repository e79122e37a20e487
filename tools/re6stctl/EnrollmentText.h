// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include <QString>
#include <QTimeZone>
#include <QVariantMap>

namespace re6st::ctl {

// What `re6stctl enroll` prints (dbus/org.re6st.Enrollment1.xml): the CA to confirm,
// the Progress signals, the result of Enroll(). Pure.
class EnrollmentText final
{
public:
    // FetchCa's answer: fingerprint and details (network, subject, not_after, registry).
    static QString caSummary(const QString &fingerprint, const QVariantMap &details, const QTimeZone &zone);
    static QString confirmationPrompt(); // "Is this ...? [y/N] "
    static bool isYes(const QString &answer);
    static QString emailPrompt();
    static QString tokenPrompt(const QString &email);
    // One Progress signal, one line ending with '\n'.
    static QString progressLine(const QString &step, const QString &detail);
    // Enroll's result (prefix, subnet, address, not_after, renew_after, directory).
    static QString result(const QVariantMap &result, qint64 now, const QTimeZone &zone);
};

} // namespace re6st::ctl
