import Chipset
import CSDL2

/// How the machine is shown: the SDL2 window, the terminal text view, or nothing
/// (headless). FrontEnds.choose picks one when the command line does not.
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
