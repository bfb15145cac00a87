# Fails while a translation lags behind the sources (issue 23): runs lupdate
# over the window's sources into a copy of each .ts file and reports every
# message the copy has as new or unfinished (a tr() nobody translated yet) or
# vanished/obsolete (a translation whose source text went away).
#   cmake -DLUPDATE=... -DSOURCES_LIST=... -DTS_FILES="a.ts;b.ts" -DWORK_DIR=... -P check_translations.cmake
# The fix is one command: cmake --build build --target update_translations,
# then translate what it marked unfinished (docs/decisions/0031).
foreach(var LUPDATE SOURCES_LIST TS_FILES WORK_DIR)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "check_translations.cmake: ${var} is not set")
    endif()
endforeach()

file(REMOVE_RECURSE ${WORK_DIR})
file(MAKE_DIRECTORY ${WORK_DIR})
set(failed FALSE)
foreach(ts ${TS_FILES})
    get_filename_component(name ${ts} NAME)
    set(copy ${WORK_DIR}/${name})
    file(COPY_FILE ${ts} ${copy})
    # As update_translations runs it, but keeping what vanished, to report it.
    execute_process(COMMAND ${LUPDATE} @${SOURCES_LIST} -locations none -ts ${copy}
                    RESULT_VARIABLE status OUTPUT_VARIABLE out ERROR_VARIABLE out)
    if(NOT status EQUAL 0)
        message(FATAL_ERROR "lupdate failed on ${name}:\n${out}")
    endif()
    file(READ ${copy} text)
    # <source>, then any comments, then a translation marked as not done.
    string(REGEX MATCHALL
           "<source>[^<]*</source>[ \n]*(<[a-z]*comment>[^<]*</[a-z]*comment>[ \n]*)*<translation type=\"(unfinished|vanished|obsolete)\""
           behind "${text}")
    list(LENGTH behind count)
    if(count GREATER 0)
        set(failed TRUE)
        message("${name}: ${count} message(s) not translated, or translated but gone from the sources:")
        foreach(m ${behind})
            string(REGEX REPLACE "<source>([^<]*)</source>.*type=\"([a-z]*)\"" "  \\2: \\1" line "${m}")
            message("${line}")
        endforeach()
    endif()
endforeach()
if(failed)
    message(FATAL_ERROR "Run `cmake --build build --target update_translations` and translate "
                        "the new messages (docs/decisions/0031-translations.md).")
endif()
message("translations complete: ${TS_FILES}")
