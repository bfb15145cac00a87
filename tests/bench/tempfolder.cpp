#include "tempfolder.h"

#include <QDirIterator>

TempUse tempUse(const QString &dir)
{
    TempUse use;
    QDirIterator it(dir, QDir::Files | QDir::Hidden, QDirIterator::Subdirectories);
    while (it.hasNext()) {
        it.next();
        ++use.files;
        use.bytes += it.fileInfo().size();
    }
    return use;
}
