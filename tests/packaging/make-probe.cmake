# Builds the runtime tests' probe AppImage (cmake -P): a small AppDir whose AppRun records what it
# gets, with files for the extraction tests, behind the real runtime.
#   -DRUNTIME= -DMKSQUASHFS= -DAPPRUN= -DWORK= -DOUTPUT=
set(appdir "${WORK}/probe.AppDir")
file(REMOVE_RECURSE "${appdir}")
file(MAKE_DIRECTORY "${appdir}/usr/share/probe/sub")
file(COPY_FILE "${APPRUN}" "${appdir}/AppRun")
file(CHMOD "${appdir}/AppRun" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
file(WRITE "${appdir}/usr/share/probe/a.txt" "probe file a\n")
file(WRITE "${appdir}/usr/share/probe/sub/b.txt" "probe file b\n")
file(WRITE "${appdir}/usr/share/probe/file with spaces" "spaces\n")
file(CREATE_LINK a.txt "${appdir}/usr/share/probe/link.txt" SYMBOLIC)
# Enough incompressible data that the image has data blocks before its metadata tables.
string(RANDOM LENGTH 200000 RANDOM_SEED 12 filler)
file(WRITE "${appdir}/usr/share/probe/filler.bin" "${filler}")
execute_process(COMMAND "${MKSQUASHFS}" "${appdir}" "${WORK}/probe.squashfs" -comp zstd -noappend -all-root
    -no-xattrs -mkfs-time 0 -all-time 0 -no-progress -quiet RESULT_VARIABLE failed)
if(failed)
    message(FATAL_ERROR "mksquashfs failed")
endif()
execute_process(COMMAND cat "${RUNTIME}" "${WORK}/probe.squashfs" OUTPUT_FILE "${OUTPUT}" RESULT_VARIABLE failed)
if(failed)
    message(FATAL_ERROR "cannot write ${OUTPUT}")
endif()
file(CHMOD "${OUTPUT}" PERMISSIONS OWNER_READ OWNER_WRITE OWNER_EXECUTE GROUP_READ GROUP_EXECUTE WORLD_READ WORLD_EXECUTE)
