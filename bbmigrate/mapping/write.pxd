# Types for the compiled build only (hatch_build.py compiles write.py with Cython; a pure
# install ignores this file): place() calls append_to() as a C function, not through the
# module's globals, since generated code places most built elements with it.
cpdef list append_to(node, key, value)
