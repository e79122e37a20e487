// SPDX-License-Identifier: GPL-2.0-or-later
#pragma once
#include "CommandLine.h"
#include "ErrorTranslator.h"

#include <QTextStream>

namespace re6st::ctl {

class NodeClient;

// Runs one parsed re6stctl command against the daemon on the system bus and
// returns the exit code; output on `out`, errors ("re6stctl: ...") on `err`.
class CtlApplication final
{
public:
    CtlApplication(QTextStream &in, QTextStream &out, QTextStream &err) : m_in(in), m_out(out), m_err(err) {}
    Q_DISABLE_COPY_MOVE(CtlApplication)

    ExitCode run(const QStringList &arguments); // without argv[0]

private:
    ExitCode fail(const ErrorTranslator::Failure &failure);
    ExitCode query(NodeClient &client, const CommandLine &cl);
    ExitCode status(NodeClient &client, const CommandLine &cl);
    ExitCode action(NodeClient &client, const CommandLine &cl);

    QTextStream &m_in;
    QTextStream &m_out;
    QTextStream &m_err;
};

} // namespace re6st::ctl
