// SPDX-License-Identifier: GPL-2.0-or-later
// re6st-conf: enrollment CLI (registry-protocol.md §14). Thin front end of re6st::Enrollment.
#include "ConfCommandLine.h"
#include "RouteCheck.h"
#include "core/Enrollment.h"

#include <QCoreApplication>
#include <QTimer>

#include <cstdio>
#include <iostream>
#include <string>

using re6st::Enrollment;
using re6st::conf::ConfCommandLine;
using re6st::conf::RouteCheck;

namespace {

void out(const QString &text, std::FILE *stream = stdout)
{
    std::fputs(text.toLocal8Bit().constData(), stream);
    std::fflush(stream);
}

// Prints `prompt` and reads one line from stdin; nullopt at end of input.
std::optional<QString> ask(const QString &prompt)
{
    out(prompt);
    std::string line;
    if (!std::getline(std::cin, line)) {
        out(QStringLiteral("\n"));
        return std::nullopt;
    }
    return QString::fromLocal8Bit(line.data(), qsizetype(line.size()));
}

int usageError(const QString &message)
{
    out(ConfCommandLine::usage() + QStringLiteral("re6st-conf: error: ") + message + QLatin1Char('\n'), stderr);
    return 2;
}

} // namespace

int main(int argc, char **argv)
{
    QCoreApplication app(argc, argv);
    QCoreApplication::setApplicationName(QStringLiteral("re6st-conf"));

    const ConfCommandLine cl = ConfCommandLine::parse(QCoreApplication::arguments().mid(1));
    if (cl.help) {
        out(ConfCommandLine::helpText());
        return 0;
    }
    if (!cl.error.isEmpty())
        return usageError(cl.error);

    Enrollment enrollment(cl.options);
    QObject::connect(&enrollment, &Enrollment::message, [](const QString &line) { out(line + QLatin1Char('\n')); });
    QObject::connect(&enrollment, &Enrollment::warning, [](const QString &line) { out(line + QLatin1Char('\n')); });
    QObject::connect(&enrollment, &Enrollment::emailRequired, &enrollment, [&enrollment] {
        const std::optional<QString> email = ask(QStringLiteral("Please enter your email address: "));
        if (!email)
            enrollment.cancel(QStringLiteral("Error: no email address given (end of input): use --email"));
        else
            enrollment.provideEmail(*email);
    }, Qt::QueuedConnection);
    QObject::connect(&enrollment, &Enrollment::tokenRequired, &enrollment, [&enrollment] {
        const std::optional<QString> token = ask(QStringLiteral("Please enter your token: "));
        if (!token)
            enrollment.cancel(QStringLiteral("Error: no token given (end of input)"));
        else
            enrollment.provideToken(*token);
    }, Qt::QueuedConnection);
    // Direct: start() runs from the event loop, so exit() always has a loop to stop.
    QObject::connect(&enrollment, &Enrollment::finished, &app,
                     [](const Enrollment::Outcome &o) { QCoreApplication::exit(o.exitCode); });
    QTimer::singleShot(0, &enrollment, &Enrollment::start);
    app.exec();

    const Enrollment::Outcome &o = enrollment.outcome();
    if (o.status == Enrollment::Status::UsageError)
        return usageError(o.error);
    if (o.status == Enrollment::Status::Failed) {
        out(o.error + QLatin1Char('\n'), stderr);
        if (!o.hint.isEmpty())
            out(o.hint + QLatin1Char('\n'), stderr);
        if (!o.unsavedCertificate.isEmpty())
            out(QStringLiteral("The certificate (save it from the BEGIN line to the END line, both included):\n")
                    + QString::fromLatin1(o.unsavedCertificate),
                stderr);
        return o.exitCode;
    }
    if (cl.isNeeded) {
        // §14.4: exit 1 iff the host already reaches the network through re6st.
        QString error;
        const std::optional<bool> inside = RouteCheck::insideNetwork(o.networkBits, &error);
        if (!inside) {
            out(QStringLiteral("Error: %1\n").arg(error), stderr);
            return 1;
        }
        return *inside ? 1 : 0;
    }
    return 0;
}
