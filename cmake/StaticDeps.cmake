# With ESC_STATIC_PLUGIN, point the imported library targets we use (Abseil,
# libfyaml, SQLite, libsodium) at their static archives, so the plugin binary
# needs nothing but glibc at run time. Every shared object costs start-up time
# in the dynamic loader (shared/reference/floor.md §1).
function(esc_use_static_archive target)
  foreach(prop IMPORTED_LOCATION IMPORTED_LOCATION_NONE IMPORTED_LOCATION_RELEASE
               IMPORTED_LOCATION_RELWITHDEBINFO IMPORTED_LOCATION_DEBUG)
    get_target_property(loc ${target} ${prop})
    if(loc AND loc MATCHES "\\.so(\\.[0-9.]+)?$")
      string(REGEX REPLACE "\\.so(\\.[0-9.]+)?$" ".a" archive "${loc}")
      if(EXISTS "${archive}")
        set_target_properties(${target} PROPERTIES ${prop} "${archive}")
      endif()
    endif()
  endforeach()
  set_target_properties(${target} PROPERTIES IMPORTED_SONAME_NONE "" IMPORTED_SONAME "")
endfunction()

if(ESC_STATIC_PLUGIN)
  get_directory_property(_esc_imported IMPORTED_TARGETS)
  foreach(t IN LISTS _esc_imported)
    if(t MATCHES "^absl::")
      get_target_property(_type ${t} TYPE)
      if(_type STREQUAL "SHARED_LIBRARY" OR _type STREQUAL "UNKNOWN_LIBRARY")
        esc_use_static_archive(${t})
      endif()
    endif()
  endforeach()
  if(TARGET SQLite::SQLite3)
    get_target_property(_loc SQLite::SQLite3 IMPORTED_LOCATION)
    string(REGEX REPLACE "\\.so(\\.[0-9.]+)?$" ".a" _archive "${_loc}")
    if(EXISTS "${_archive}")
      set_target_properties(SQLite::SQLite3 PROPERTIES IMPORTED_LOCATION "${_archive}"
        INTERFACE_LINK_LIBRARIES "m;${CMAKE_DL_LIBS};Threads::Threads")
    endif()
  endif()
  # pkg-config targets name the .so in INTERFACE_LINK_LIBRARIES.
  foreach(pair "FYAML;libfyaml.a" "SODIUM;libsodium.a")
    list(GET pair 0 name)
    list(GET pair 1 file)
    if(TARGET PkgConfig::${name})
      find_library(ESC_${name}_ARCHIVE NAMES ${file})
      if(ESC_${name}_ARCHIVE)
        set_target_properties(PkgConfig::${name} PROPERTIES
          INTERFACE_LINK_LIBRARIES "${ESC_${name}_ARCHIVE};Threads::Threads")
      endif()
    endif()
  endforeach()
endif()
