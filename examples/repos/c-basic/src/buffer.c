#include <stdlib.h>
#include <string.h>

/* Planted problems for cppcheck. */
int copy_name(const char *name) {
    char buffer[8];
    char *heap = malloc(16);
    strcpy(buffer, name);
    buffer[8] = '\0';
    if (name == NULL) {
        return -1;
    }
    return (int)strlen(buffer);
}
