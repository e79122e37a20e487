// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "CommandLine.h"
#include "ErrorTranslator.h"

#include <QObject>
#include <QTextStream>

namespace re6st::ctl {

class NodeClient;

// `re6stctl enroll` (dbus/org.re6st.Enrollment1.xml): FetchCa, confirmation of the
// fingerprint (unless --fingerprint matches), RequestToken and the token prompt
// (unless --token or --anonymous), Enroll with its Progress signals, the result.
// Questions are read from `in`; with --json only the result goes to `out`.
class EnrollFlow final : public QObject
{
    Q_OBJECT
    Q_DISABLE_COPY_MOVE(EnrollFlow)
public:
    EnrollFlow(NodeClient &client, const CommandLine &commandLine, QTextStream &in,
               QTextStream &out, QTextStream &err, QObject *parent = nullptr);

    ExitCode run();

private Q_SLOTS:
    void onProgress(const QString &step, const QString &detail);

private:
    ExitCode fail(const ErrorTranslator::Failure &failure);
    QString ask(const QString &prompt);
    QTextStream &chatter() { return m_commandLine.json ? m_err : m_out; }

    NodeClient &m_client;
    const CommandLine &m_commandLine;
    QTextStream &m_in;
    QTextStream &m_out;
    QTextStream &m_err;
};

} // namespace re6st::ctl
