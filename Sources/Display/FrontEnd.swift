import Chipset
import CSDL2

/// How the machine is shown. Until the VGA card exists, every front end runs the
/// machine headless and shows the debug console; `sdl` reports that no card is present.
public enum DisplayKind: String, CaseIterable, Sendable {
    case sdl, text, none
}

/// The SDL2 library pcemu is linked against (Debian's libsdl2).
public enum SDLLibrary {
    public static var version: String {
        var v = SDL_version()
        SDL_GetVersion(&v)
        return "\(v.major).\(v.minor).\(v.patch)"
    }
}
