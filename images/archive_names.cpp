#include "images/archive_names.h"

namespace vessel::images {

std::string_view archive_extension(std::string_view file_name)
{
    for (std::string_view ext : kArchiveExtensions)
        if (file_name.size() > ext.size() && file_name.ends_with(ext))
            return ext;
    return {};
}

}  // namespace vessel::images
