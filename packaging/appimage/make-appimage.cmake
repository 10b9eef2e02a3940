# Builds the AppImage (cmake -P): the AppDir from the install rules, a reproducible SquashFS image
# of it, and the runtime in front.
#   -DBUILD_DIR= -DAPPDIR= -DOUTPUT= -DRUNTIME= -DAPPRUN= (the built apprun.c) -DMKSQUASHFS= -DSOURCE_DIR=
#   -DAPP_ID= -DICON_PNG= (the 256 px icon) -DZSTD_LEVEL= (19 for releases; a debug build's test AppImage uses 3)
# SOURCE_DATE_EPOCH (environment) fixes every time stamp; without it, the last commit's time.
foreach(var BUILD_DIR APPDIR OUTPUT RUNTIME APPRUN MKSQUASHFS SOURCE_DIR APP_ID ICON_PNG ZSTD_LEVEL)
    if(NOT DEFINED ${var})
        message(FATAL_ERROR "make-appimage.cmake: -D${var}= missing")
    endif()
endforeach()

function(run)
    execute_process(COMMAND ${ARGN} RESULT_VARIABLE failed)
    if(failed)
        list(JOIN ARGN " " command)
        message(FATAL_ERROR "failed (${failed}): ${command}")
    endif()
endfunction()

if(DEFINED ENV{SOURCE_DATE_EPOCH})
    set(epoch "$ENV{SOURCE_DATE_EPOCH}")
else()
    execute_process(COMMAND git -C "${SOURCE_DIR}" log -1 --format=%ct
        OUTPUT_VARIABLE epoch OUTPUT_STRIP_TRAILING_WHITESPACE RESULT_VARIABLE failed ERROR_QUIET)
    if(failed OR epoch STREQUAL "")
        set(epoch 0)
    endif()
endif()

file(REMOVE_RECURSE "${APPDIR}")
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${APPDIR}/usr" --strip)
run("${CMAKE_COMMAND}" --install "${BUILD_DIR}" --prefix "${APPDIR}/usr" --component appdir)

# The AppDir's top level, as the AppImage specification wants it: AppRun (apprun.c: it picks the
# Qt platform and execs usr/bin/ackhook, which finds qt.conf, its libraries and nats-server
# relative to its real path), the desktop entry, the icon and .DirIcon.
file(COPY_FILE "${APPRUN}" "${APPDIR}/AppRun")
file(CHMOD "${APPDIR}/AppRun" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
    WORLD_EXECUTE)
file(COPY "${APPDIR}/usr/share/applications/${APP_ID}.desktop" DESTINATION "${APPDIR}")
file(COPY "${APPDIR}/usr/share/icons/hicolor/scalable/apps/ackhook.svg" DESTINATION "${APPDIR}")
file(COPY "${ICON_PNG}" DESTINATION "${APPDIR}")
file(CREATE_LINK ackhook.png "${APPDIR}/.DirIcon" SYMBOLIC)
# The system unit makes no sense inside an AppImage.
file(REMOVE_RECURSE "${APPDIR}/usr/lib/systemd")

# zstd: supported by Debian's mksquashfs and by the squashfuse library the runtime links, and it
# decompresses several times faster than xz at a similar size. 128 KiB blocks: with 1 MiB blocks
# the image was 7 % smaller but the start through FUSE took twice as long (every page the loader
# touches decompresses a whole block).
get_filename_component(output_dir "${OUTPUT}" DIRECTORY)
set(squashfs "${OUTPUT}.squashfs")
file(REMOVE "${squashfs}")
run("${MKSQUASHFS}" "${APPDIR}" "${squashfs}" -comp zstd -Xcompression-level ${ZSTD_LEVEL} -b 128K -noappend -no-xattrs
    -all-root -mkfs-time ${epoch} -all-time ${epoch} -reproducible -no-progress -quiet)
file(REMOVE "${OUTPUT}")
execute_process(COMMAND cat "${RUNTIME}" "${squashfs}" OUTPUT_FILE "${OUTPUT}" RESULT_VARIABLE failed)
if(failed)
    message(FATAL_ERROR "cannot write ${OUTPUT}")
endif()
file(REMOVE "${squashfs}")
file(CHMOD "${OUTPUT}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ
    WORLD_EXECUTE)
file(SIZE "${OUTPUT}" size)
math(EXPR megabytes "${size} / 1048576")
message(STATUS "AppImage: ${OUTPUT} (${megabytes} MiB, SOURCE_DATE_EPOCH=${epoch})")
