#pragma once

// What the window tests do to the Jobs tab and look for on disk, whichever
// service the window is in front of (tst_operatorwindow, tst_windoweitherway).

#include "jobsmodel.h"
#include "jobspage.h"
#include "mainwindow.h"

#include <QDir>
#include <QDirIterator>
#include <QItemSelectionModel>
#include <QTabWidget>
#include <QTableView>

namespace sluice::testing {

// Shows the Jobs tab and selects the job's row alone (rows move as the model sorts).
inline bool selectJob(ui::MainWindow &window, const QString &id)
{
    ui::JobsPage *page = window.jobsPage();
    window.tabs()->setCurrentWidget(page);
    const int sourceRow = page->model()->rowOf(id);
    if (sourceRow < 0)
        return false;
    const QModelIndex shown
        = page->filterModel()->mapFromSource(page->model()->index(sourceRow, 0));
    page->view()->selectionModel()->clear();
    page->view()->selectRow(shown.row());
    return page->selectedIds() == QStringList {id};
}

// Every file under `path`, hidden ones too, at any depth.
inline QStringList filesUnder(const QString &path)
{
    QStringList files;
    QDirIterator it(path, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext())
        files << it.next();
    return files;
}

} // namespace sluice::testing
